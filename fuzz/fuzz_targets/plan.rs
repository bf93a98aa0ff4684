//! Fuzzes the planner: a text holding an RGD, then an instance, then observed objects (YAML documents, in
//! that order) is compiled, the instance checked and defaulted, and planned and simulated. Nothing may panic,
//! and a plan must be coherent: deterministic, applied objects stamped with their node, apply order by wave.
#![no_main]

use kro_engine::{Engine, EngineOptions, PlanOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let engine = Engine::new(EngineOptions::default()).expect("kro's environment builds");
    let Ok(docs) = engine.load_objects(text) else { return };
    let [rgd_doc, instance, observed @ ..] = docs.as_slice() else { return };
    let compiled = engine.compile_json(rgd_doc);
    let Some(rgd) = compiled.rgd else { return };
    let Ok(instance) = engine.instance_from_json(&rgd, instance) else { return };
    let options = PlanOptions::default();
    let first = engine.plan(&rgd, &instance, observed, &options);
    assert_eq!(first, engine.plan(&rgd, &instance, observed, &options), "plans must be deterministic");
    let mut last_wave = 0;
    for apply in &first.resources {
        assert!(apply.wave >= last_wave, "apply order must follow waves");
        last_wave = apply.wave;
        let node = apply.object.pointer("/metadata/labels/kro.run~1node-id").and_then(|v| v.as_str());
        assert_eq!(node, Some(apply.id.as_str()), "every applied object names its node");
    }
    let _ = engine.simulate(&rgd, &instance, observed, &options);
});
