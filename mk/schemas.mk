# The OpenAPI schemas of the built-in Kubernetes kinds, embedded in the engine for offline type checking:
# engine/schemas/k8s-v1.37.json.gz, generated from k8s-openapi by tools/schema-bundle. A test of that crate fails
# when the committed file differs from what the generator produces, so regenerate after bumping k8s-openapi.

.PHONY: schemas

schemas: ## regenerate engine/schemas/k8s-v1.37.json.gz (built-in kinds' OpenAPI schemas) with tools/schema-bundle
	$(CARGO) run --locked -q -p kro-schema-bundle
