# The web playground (web-playground/, see its README): a static site over the npm package in wasm/pkg.
#
#   make playground        build the site into web-playground/dist and serve it on localhost (PORT=5180)
#   make test-playground   its browser tests (Playwright driving Debian's Chromium) against the built site

.PHONY: playground test-playground

# The npm package, rebuilt only when the engine or the wasm crate changed since the last build.
WASM_PKG := wasm/pkg/package.json
$(WASM_PKG): $(shell find engine/src engine/schemas wasm/src wasm/js -type f 2>/dev/null) engine/Cargo.toml wasm/Cargo.toml Cargo.lock
	bash scripts/wasm-package.sh

playground: $(WASM_PKG) ## build the web playground into web-playground/dist and serve it on localhost (prints the URL)
	@bash scripts/playground.sh serve

test-playground: $(WASM_PKG) ## the playground's browser tests (Playwright + Debian's chromium) against the built site
	bash scripts/playground.sh test
