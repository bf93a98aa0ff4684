# Installing kro-rs in a cluster (deploy/): the Helm chart, the plain manifests rendered from it, and Helm
# itself, built from its Go module into $(KRO_CACHE_DIR)/helm (see deploy/README.md).

.PHONY: helm deploy-manifests

helm: ## build Helm (from its Go module, once) into $(KRO_CACHE_DIR)/helm; the install tests render the chart with it
	@bash scripts/helm/install.sh >/dev/null

deploy-manifests: helm ## re-render deploy/manifests/kro-rs.yaml from the chart (a test keeps them equal)
	KRO_UPDATE_MANIFESTS=1 $(or $(CARGO),cargo) test --locked -p kro-e2e --test install the_plain_manifests

# The install tests render the chart.
e2e test-rust: helm
