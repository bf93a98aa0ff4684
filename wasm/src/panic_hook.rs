//! What a panic does in the browser or Node. The engine promises no panic on any input, but a bug must not
//! kill the playground: the hook throws the panic's message as a JS `Error` (so the caller sees what broke),
//! and asks wasm-bindgen for a fresh instance before the next call, because an aborted call leaves the
//! instance's stack pointer and any half-updated state behind.

use std::sync::Once;

static INSTALL: Once = Once::new();

pub fn install() {
    INSTALL.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            wasm_bindgen::handler::schedule_reinit();
            let message = match info.payload().downcast_ref::<&str>() {
                Some(s) => (*s).to_string(),
                None => info.payload().downcast_ref::<String>().cloned().unwrap_or_else(|| "panic".to_string()),
            };
            let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
            wasm_bindgen::throw_str(&format!(
                "kro-rs engine panicked: {message}{at} (this is a bug; please report it)"
            ));
        }));
    });
}
