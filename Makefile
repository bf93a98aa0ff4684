# kro-rs. `make` alone lists the targets. The README's two commands are `make demo` and `make test`.

KRO_CACHE_DIR ?= $(HOME)/.cache/kro-rs
export KRO_CACHE_DIR
CARGO ?= cargo
KRO := $(or $(CARGO_TARGET_DIR),target)/debug/kro
EXAMPLE := examples/webapp

.DEFAULT_GOAL := help
.PHONY: help build demo demo-offline e2e test lint test-rust test-e2e wasm wasm-check test-wasm bench-wasm bench fuzz fuzz-plan fmt clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-zA-Z_-]+):.*## (.*)/  make \1\t\2/' | expand -t 24

build: ## build the kro binary
	$(CARGO) build --locked -p kro-operator

demo: build apiserver ## the main job: the seed story on a local API server, with `kro operator` doing the work
	@KRO=$(KRO) bash scripts/demo.sh

demo-offline: build ## no cluster: validate, graph, generate the CRD of the example RGD, and simulate an instance's reconcile
	@echo "== kro validate $(EXAMPLE)/rgd.yaml"
	@$(KRO) validate $(EXAMPLE)/rgd.yaml
	@echo
	@echo "== kro graph $(EXAMPLE)/rgd.yaml --output mermaid"
	@$(KRO) graph $(EXAMPLE)/rgd.yaml --output mermaid
	@echo
	@echo "== kro crd $(EXAMPLE)/rgd.yaml"
	@$(KRO) crd $(EXAMPLE)/rgd.yaml
	@echo
	@echo "== kro render $(EXAMPLE)/rgd.yaml --instance $(EXAMPLE)/instance.yaml --simulate"
	@$(KRO) render $(EXAMPLE)/rgd.yaml --instance $(EXAMPLE)/instance.yaml --simulate

test: lint wasm-check test-wasm test-playground apiserver test-rust ## every test: lints, the wasm32 lint, the npm package's Node tests, the playground's browser tests, unit, fixture, CLI and end-to-end tests

lint: ## rustfmt and clippy (warnings denied)
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

wasm-check: ## lint the engine for wasm32-unknown-unknown (installs Debian's rust-web toolchain if needed)
	bash scripts/wasm-check.sh

wasm: ## build the npm package @kro-rs/engine into wasm/pkg (wasm32 build, wasm-bindgen; wasm-opt with KRO_WASM_OPT=1)
	bash scripts/wasm-package.sh

test-wasm: wasm ## the npm package's Node tests, against the packed package installed in an empty project
	bash scripts/wasm-test.sh

bench-wasm: wasm ## size and timing figures of the npm package against the native engine (not part of make test)
	bash scripts/wasm-bench.sh

test-rust: ## cargo test over the workspace (needs `make apiserver` for the end-to-end tests)
	$(CARGO) test --locked --workspace

e2e: apiserver ## the end-to-end tests (tests/e2e) against the real API server that `make apiserver` builds
	$(CARGO) test --locked -p kro-e2e

bench: ## criterion benchmarks of the engine and of the CLI's text diagnostics (not part of `make test`)
	$(CARGO) bench -p kro-engine
	$(CARGO) bench -p kro-operator --bench render_text

fuzz: ## run the fuzz target for 10 minutes, seeded with the fixtures (needs cargo-fuzz; see fuzz/README.md)
	mkdir -p fuzz/corpus/rgd_pipeline
	for f in tests/fixtures/*/rgd.yaml examples/*/rgd.yaml; do cp "$$f" "fuzz/corpus/rgd_pipeline/$$(basename $$(dirname $$f)).yaml"; done
	cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run rgd_pipeline corpus/rgd_pipeline -- -max_total_time=600 -max_len=65536

fuzz-plan: ## fuzz the planner for 10 minutes, seeded with every planner fixture (RGD, instance, observed as one text)
	mkdir -p fuzz/corpus/plan
	for d in tests/fixtures/plan-* tests/fixtures/seed-webapp; do for i in $$d/instance*.yaml; do \
	  s=$$(basename $$i .yaml | sed 's/^instance//'); o=$$d/observed$$s.yaml; \
	  { cat $$d/rgd.yaml; echo "---"; cat $$i; if [ -f $$o ]; then echo; cat $$o; fi; } > fuzz/corpus/plan/$$(basename $$d)$$s.yaml; \
	done; done
	cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run plan corpus/plan -- -max_total_time=600 -max_len=65536

fmt: ## format the code
	$(CARGO) fmt --all

clean: ## remove build output
	$(CARGO) clean

include $(wildcard mk/*.mk)
