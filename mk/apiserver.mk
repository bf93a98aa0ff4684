# A real kube-apiserver (with embedded etcd) and kubectl, built from Go modules
# (tests/apiserver), for the end-to-end tests and the demo. See docs/apiserver.md.
#
#   make apiserver      build both binaries into $(KRO_CACHE_DIR)/apiserver/bin (cheap when up to date)
#   make cluster-up     start a server in the background; `make -s cluster-up` prints exactly
#                       KUBECONFIG=... and KUBECTL=... on stdout, for `eval "$$(make -s cluster-up)"`
#   make cluster-down   stop it and remove its data
#   make cluster-status say whether it runs (and print the same two lines)
#   make test-apiserver the harness's smoke tests (cargo test -p kro-test-support)

KRO_CACHE_DIR ?= $(HOME)/.cache/kro-rs
export KRO_CACHE_DIR

APISERVER_SCRIPTS := $(dir $(lastword $(MAKEFILE_LIST)))../scripts/apiserver

.PHONY: apiserver cluster-up cluster-down cluster-status test-apiserver

apiserver: ## build the API-server harness and kubectl (Go) into $(KRO_CACHE_DIR)/apiserver/bin; cheap when up to date
	@bash $(APISERVER_SCRIPTS)/build.sh

cluster-up: apiserver ## start an API server in the background; eval "$(make -s cluster-up)" sets KUBECONFIG and KUBECTL
	@bash $(APISERVER_SCRIPTS)/cluster.sh up

cluster-down: ## stop the background API server and remove its data
	@bash $(APISERVER_SCRIPTS)/cluster.sh down

cluster-status: ## tell whether the background API server runs
	@bash $(APISERVER_SCRIPTS)/cluster.sh status

test-apiserver: apiserver ## the harness's smoke tests against a real API server
	$(or $(CARGO),cargo) test --locked -p kro-test-support
