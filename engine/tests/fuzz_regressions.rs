//! Inputs the fuzzer found problems with (`fuzz/`), kept so they stay fixed: each must compile without a
//! panic, with every diagnostic's span inside the text, and a generated CRD must read back as the same JSON, as
//! the fuzz target checks.
#![allow(clippy::unwrap_used, clippy::panic)] // test harness: a failure should stop it loudly

use kro_engine::{Engine, EngineOptions, output};

#[test]
fn every_fuzz_regression_input_compiles_with_spans_inside_the_text() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-regressions");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let chars = text.chars().count() as u32;
        let engine = Engine::new(EngineOptions::default()).unwrap();
        for doc in engine.compile_text(&text) {
            for d in &doc.diagnostics {
                assert!(
                    d.span.start.offset <= d.span.end.offset && d.span.end.offset <= chars,
                    "{}: span outside the text: {d:?}",
                    path.display()
                );
            }
            if let Some(rgd) = &doc.rgd {
                let crd = output::crd_yaml(rgd);
                let back = engine
                    .load_objects(&crd)
                    .unwrap_or_else(|d| panic!("{}: the generated CRD does not read back: {d:?}", path.display()));
                assert_eq!(back, std::slice::from_ref(rgd.crd()), "{}", path.display());
            }
        }
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} inputs found in {dir}");
}
