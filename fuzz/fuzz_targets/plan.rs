//! Fuzzes the planner: a text holding an RGD, then an instance, then observed objects (YAML documents, in
//! that order) is compiled, the instance checked and defaulted, and planned and simulated. Nothing may panic,
//! and a plan must be coherent: deterministic, applied objects stamped with their node, apply order by wave.
#![no_main]

use kro_engine::expr::eval::{EvalLimits, Evaluator};
use kro_engine::plan::{self, PlanInput, PlanOptions};
use kro_engine::{Catalog, InputLimits, compile, load_source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(source) = load_source(text, &InputLimits::default()) else { return };
    let docs: Vec<_> = source.documents.iter().filter_map(|d| d.root.as_ref()).collect();
    let [rgd_doc, instance, observed @ ..] = docs.as_slice() else { return };
    let catalog = Catalog::builtin();
    let compiled = kro_engine::compile::compile_documents(&[*rgd_doc], &catalog);
    let Some(rgd) = compiled.into_iter().next().and_then(|d| d.rgd) else { return };
    let Ok(instance) = plan::prepare_instance(&rgd, instance) else { return };
    let observed: Vec<serde_json::Value> = observed.iter().map(|o| o.to_json()).collect();
    let evaluator = Evaluator::new(EvalLimits::default()).expect("kro's environment builds");
    let options = PlanOptions::default();
    let input = PlanInput { rgd: &rgd, catalog: &catalog, evaluator: &evaluator, instance: &instance, observed: &observed, options: &options };
    let first = plan::plan(&input);
    assert_eq!(first, plan::plan(&input), "plans must be deterministic");
    let mut last_wave = 0;
    for apply in &first.resources {
        assert!(apply.wave >= last_wave, "apply order must follow waves");
        last_wave = apply.wave;
        let node = apply.object.pointer("/metadata/labels/kro.run~1node-id").and_then(|v| v.as_str());
        assert_eq!(node, Some(apply.id.as_str()), "every applied object names its node");
    }
    let _ = plan::simulate(&input);
    let _ = compile;
});
