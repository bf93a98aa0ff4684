//! Fuzzes the whole front half: any text through parse -> validate -> DAG -> CRD must return diagnostics or
//! a compiled RGD, never panic, and what it returns must be coherent (spans inside the text, a CRD that
//! reads back as YAML, a topological order that respects every dependency).
#![no_main]

use kro_engine::{Engine, EngineOptions, output};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let chars = text.chars().count() as u32;
    let engine = Engine::new(EngineOptions::default()).expect("kro's environment builds");
    for doc in engine.compile_text(text) {
        for d in &doc.diagnostics {
            assert!(d.span.start.offset <= d.span.end.offset && d.span.end.offset <= chars, "span out of the text: {d:?}");
            assert!(!d.message.is_empty());
        }
        let Some(rgd) = doc.rgd else { continue };
        let crd = output::crd_yaml(&rgd);
        let back = engine.load_objects(&crd).expect("the generated CRD must read back");
        assert_eq!(back, std::slice::from_ref(rgd.crd()), "CRD YAML round trip: one document, the same JSON");
        let position = |id: &str| rgd.topological_ids().iter().position(|x| *x == id);
        for r in rgd.resources() {
            for dep in &r.depends_on {
                assert!(position(dep) < position(&r.id), "{dep} must come before {}", r.id);
            }
        }
        let _ = output::graph_dot(&rgd);
        let _ = output::graph_mermaid(&rgd);
    }
});
