//! The native side of `make bench-wasm` (scripts/wasm-bench.sh): median times of the same operations the
//! npm package's benchmark measures, on the same inputs, through the same engine calls, printed as JSON.
//!
//! `cargo run --release -p kro-wasm --example native_timings -- RGD INSTANCE [RGD INSTANCE ...]`
#![allow(clippy::unwrap_used, clippy::expect_used)] // a measuring tool: a missing file should stop it loudly

use std::time::Instant;

use kro_engine::expr::eval::{EvalLimits, Evaluator};
use kro_engine::plan::{self, PlanInput, PlanOptions};
use kro_engine::{Catalog, InputLimits, LineIndex, compile, editor, load_source, output};

/// Median milliseconds of `f` over enough runs to take about half a second (at least 5).
fn median_ms(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    f();
    let once = start.elapsed().as_secs_f64();
    // Positive and at most 2000 after the clamp, so the cast loses nothing.
    #[allow(clippy::cast_sign_loss)]
    let runs = (0.5 / once.max(1e-6)).clamp(5.0, 2000.0) as usize;
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let catalog = Catalog::builtin();
    let limits = InputLimits::default();
    let evaluator = Evaluator::new(EvalLimits::default()).unwrap();
    let mut results = Vec::new();
    for pair in args.chunks(2) {
        let text = std::fs::read_to_string(&pair[0]).unwrap();
        let instance_text = std::fs::read_to_string(&pair[1]).unwrap();
        let docs = compile(&text, &catalog, &limits);
        let rgd = docs[0].rgd.clone().expect("a valid RGD");
        let instance_node = load_source(&instance_text, &limits).unwrap().documents.remove(0).root.unwrap();
        let instance = plan::prepare_instance(&rgd, &instance_node).unwrap();
        let options = PlanOptions::default();
        let input = PlanInput {
            rgd: &rgd,
            catalog: &catalog,
            evaluator: &evaluator,
            instance: &instance,
            observed: &[],
            options: &options,
        };
        let at = text.find("${").map_or(0, |i| i + 2);
        let position = LineIndex::new(&text).lsp_position_of_byte(at);
        let validate = median_ms(|| {
            // As the package does: a fresh catalog is not built per call (it is cached), the compile is.
            let docs = compile(&text, &catalog, &limits);
            std::hint::black_box(docs);
        });
        let graph = median_ms(|| {
            let docs = compile(&text, &catalog, &limits);
            std::hint::black_box(docs.iter().filter_map(|d| d.rgd.as_ref()).map(output::graph_json).count());
        });
        let render = median_ms(|| {
            let docs = compile(&text, &catalog, &limits);
            let rgd = docs[0].rgd.as_ref().unwrap();
            let instance = plan::prepare_instance(rgd, &instance_node).unwrap();
            let input = PlanInput { rgd, instance: &instance, ..input };
            std::hint::black_box(output::plan_json(&plan::plan(&input)));
        });
        let complete = median_ms(|| {
            std::hint::black_box(editor::complete(&text, position, &catalog));
        });
        results.push(serde_json::json!({
            "file": pair[0], "validate": validate, "graph": graph, "render": render, "complete": complete,
        }));
    }
    println!("{}", serde_json::Value::Array(results));
}
