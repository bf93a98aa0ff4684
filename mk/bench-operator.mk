# The operator's load benchmark and soak (tests/e2e/src/bin/bench-operator): figures, never assertions.
#
#   make bench-operator                                     100 instances
#   make bench-operator BENCH_OPERATOR_ARGS="--instances 1000"
#   make bench-operator-soak                                500 instances, a minute of churn, then deletion
#   make bench-operator BENCH_OPERATOR_ARGS='--operator-cmd "kro-controller --kubeconfig {kubeconfig}"'
#                                                           another controller against the same driver

BENCH_OPERATOR_ARGS ?= --instances 100
BENCH_OPERATOR_SOAK_ARGS ?= --instances 500 --soak
BENCH_OPERATOR := $(or $(CARGO_TARGET_DIR),target)/release/bench-operator --kro $(or $(CARGO_TARGET_DIR),target)/operator/kro

.PHONY: bench-operator bench-operator-soak bench-operator-build

bench-operator-build: apiserver
	$(or $(CARGO),cargo) build --locked --profile operator -p kro-operator --bin kro
	$(or $(CARGO),cargo) build --locked --release -p kro-e2e --bin bench-operator

bench-operator: bench-operator-build ## load benchmark: the operator (built as deployed, `operator` profile) converging N instances on the local API server
	$(BENCH_OPERATOR) $(BENCH_OPERATOR_ARGS)

bench-operator-soak: bench-operator-build ## drift and deletion soak: 500 instances, a minute of child churn, then delete all
	$(BENCH_OPERATOR) $(BENCH_OPERATOR_SOAK_ARGS)
