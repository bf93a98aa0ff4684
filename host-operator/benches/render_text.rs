#![allow(clippy::unwrap_used, clippy::panic)] // benchmark set-up, not CLI code
//! `render_text`: the code frames `kro validate` prints for a 10,000-line RGD with 1,000 errors (one undefined
//! field per resource, spread over the whole file). Rendering must grow with the file plus the diagnostics, not
//! their product. Run with `make bench`; the figures are reported in the issue notes, never asserted in tests.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kro_engine::{Diagnostic, Engine, EngineOptions};

const LINES: usize = 10_000;
const ERRORS: usize = 1_000;

/// An RGD of exactly `LINES` lines whose `ERRORS` config maps each read a misspelt spec field.
fn generated() -> String {
    let mut out = String::from(
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: many-errors\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: ManyErrors\n    spec:\n      name: string | required=true\n  resources:\n",
    );
    let header = out.lines().count();
    // Nine lines per resource, plus a tenth in as many resources as it takes to reach LINES.
    let padded = LINES - header - 9 * ERRORS;
    for i in 0..ERRORS {
        let _ = write!(
            out,
            "    - id: config{i}\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          name: ${{schema.spec.nme}}-{i}\n        data:\n          index: \"{i}\"\n          note: generated for the benchmark\n"
        );
        if i >= ERRORS - padded {
            out.push_str("          more: text\n");
        }
    }
    assert_eq!(out.lines().count(), LINES);
    out
}

fn bench(c: &mut Criterion) {
    let text = generated();
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let diagnostics: Vec<Diagnostic> = engine.compile_text(&text).into_iter().flat_map(|d| d.diagnostics).collect();
    assert_eq!(diagnostics.len(), ERRORS, "the generated RGD has one error per resource");

    let mut group = c.benchmark_group("render_text");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ERRORS as u64));
    group.bench_function("10k_lines_1k_errors", |b| {
        b.iter(|| kro_operator::render_diagnostics("many-errors.yaml", black_box(&text), black_box(&diagnostics)));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
