//! The one place this crate holds the engine: an [`Engine`] per set of CRD texts and feature gates, kept
//! between calls (an editor sends the same options with every keystroke; building the CEL environment and the
//! catalog is most of a small `validate`).

use std::cell::RefCell;
use std::rc::Rc;

use kro_engine::{Engine, EngineOptions, Features};

/// What the cached engine was built from.
#[derive(PartialEq)]
struct Key {
    crds: Vec<String>,
    features: Features,
}

thread_local! {
    static ENGINE: RefCell<Option<(Key, Rc<Engine>)>> = const { RefCell::new(None) };
}

/// The engine for these CRD texts (YAML or JSON, several documents each) and feature gates. A CRD text that
/// is not YAML is an error naming it; documents that are not CRDs are ignored, as the CLI's `--crd` does.
pub fn engine(crds: &[String], features: Features) -> Result<Rc<Engine>, String> {
    let key = Key { crds: crds.to_vec(), features };
    if let Some(cached) = ENGINE.with_borrow(|c| c.as_ref().filter(|(k, _)| *k == key).map(|(_, e)| Rc::clone(e))) {
        return Ok(cached);
    }
    let mut engine = Engine::new(EngineOptions { features, ..EngineOptions::default() }).map_err(|e| e.to_string())?;
    for (i, text) in crds.iter().enumerate() {
        engine.add_crds(text).map_err(|d| {
            format!("crds[{i}]: line {}, column {}: {}", d.span.start.line, d.span.start.column, d.message)
        })?;
    }
    let engine = Rc::new(engine);
    ENGINE.set(Some((key, Rc::clone(&engine))));
    Ok(engine)
}
