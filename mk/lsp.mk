# The language server (lsp/, `kro lsp`, the npm package's `kro-lsp` bin) and the editors that use it.
.PHONY: test-lsp vsix bench-lsp

# `make test` runs the protocol suite on both transports, the Neovim test and the extension build.
test: test-lsp vsix

test-lsp: build wasm ## the language server with real clients: the protocol suite on `kro lsp` and the npm bin, and headless Neovim
	KRO=$(KRO) bash scripts/lsp-test.sh protocol
	KRO=$(KRO) bash scripts/lsp-test.sh neovim

vsix: wasm ## the VS Code extension (editors/vscode) as editors/vscode/kro-rs.vsix, checked to carry a server that starts
	bash scripts/vsix.sh

bench-lsp: wasm ## latency from didChange to publishDiagnostics, native and npm (release kro; figures, never assertions)
	$(CARGO) build --locked --release -p kro-operator
	KRO=$(or $(CARGO_TARGET_DIR),target)/release/kro bash scripts/lsp-test.sh bench
