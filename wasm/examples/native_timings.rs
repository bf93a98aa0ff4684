//! The native side of `make bench-wasm` (scripts/wasm-bench.sh): median times of the same operations the
//! npm package's benchmark measures, on the same inputs, through the same engine calls, printed as JSON.
//!
//! `cargo run --release -p kro-wasm --example native_timings -- RGD INSTANCE [RGD INSTANCE ...]`
#![allow(clippy::unwrap_used, clippy::expect_used)] // a measuring tool: a missing file should stop it loudly

use std::time::Instant;

use kro_engine::{Engine, EngineOptions, LineIndex, PlanOptions, editor, output};

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
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let mut results = Vec::new();
    for pair in args.chunks(2) {
        let text = std::fs::read_to_string(&pair[0]).unwrap();
        let instance_text = std::fs::read_to_string(&pair[1]).unwrap();
        let at = text.find("${").map_or(0, |i| i + 2);
        let position = LineIndex::new(&text).lsp_position_of_byte(at);
        // The same work as the package's calls: compile (the engine and its catalog are built once and kept).
        let validate = median_ms(|| {
            std::hint::black_box(engine.compile_text(&text));
        });
        let graph = median_ms(|| {
            let docs = engine.compile_text(&text);
            std::hint::black_box(docs.iter().filter_map(|d| d.rgd.as_ref()).map(output::graph_json).count());
        });
        let render = median_ms(|| {
            let docs = engine.compile_text(&text);
            let rgd = docs[0].rgd.as_ref().unwrap();
            let instance = engine.instance_from_text(rgd, &instance_text).unwrap();
            std::hint::black_box(output::plan_json(&engine.plan(rgd, &instance, &[], &PlanOptions::default())));
        });
        let complete = median_ms(|| {
            std::hint::black_box(editor::complete(&text, position, &engine));
        });
        results.push(serde_json::json!({
            "file": pair[0], "validate": validate, "graph": graph, "render": render, "complete": complete,
        }));
    }
    println!("{}", serde_json::Value::Array(results));
}
