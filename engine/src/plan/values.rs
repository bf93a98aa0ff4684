//! The value of every `${...}` of an RGD in one pass of the planner: what the playground shows on hover and
//! inline at a step of a simulated reconcile (the CEL playground's idea: values, not only types).
//!
//! The pass is planned again from what it read (the simulation's [`super::cluster_at`] that step), keeping the variables as the walk left
//! them, and each expression is evaluated against those: `schema`, and each resource the pass read, as the
//! expressions of that pass saw it. An expression reading a resource the pass had not read yet is pending, with
//! the reason that resource waits; one of an excluded resource says so; one inside a collection has a value
//! per item.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use super::ObjectKey;
use super::types::{PendingNode, Plan, PlanInput};
use super::walk;
use crate::expr::eval::{Bindings, EvalError};
use crate::graph::{ExprSite, Role};
use crate::yaml::Span;

/// Most items of a collection whose values are listed.
const MAX_ITEMS: usize = 20;

/// The value of one expression of the RGD in one pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpressionValue {
    /// Where the expression is in the RGD's text: the whole `${...}`.
    #[serde(skip)]
    pub span: Span,
    /// The resource it belongs to (`None`: the instance's status).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Which part of the RGD it is in.
    pub role: Role,
    /// The expression, between `${` and `}`.
    pub expression: String,
    /// What it evaluates to.
    #[serde(flatten)]
    pub outcome: ValueOutcome,
}

/// What an expression evaluates to in one pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum ValueOutcome {
    /// Its value.
    Value {
        /// The value, as JSON.
        value: Value,
    },
    /// Inside a collection: one outcome per item, in the collection's order (at most 20).
    Items {
        /// The first items' outcomes.
        items: Vec<ValueOutcome>,
        /// How many items the collection has.
        total: usize,
    },
    /// It cannot be evaluated yet: what it reads is not there (a resource not ready, a missing field).
    Pending {
        /// Why, in a sentence.
        reason: String,
    },
    /// Its resource is excluded in this pass (an `includeWhen` is false, or it reads an excluded resource).
    Excluded,
    /// Evaluating it failed.
    Failed {
        /// The evaluator's message.
        message: String,
    },
}

impl ValueOutcome {
    fn of(result: Result<Value, EvalError>) -> ValueOutcome {
        match result {
            Ok(value) => ValueOutcome::Value { value },
            Err(e) if e.is_pending() => ValueOutcome::Pending { reason: e.message },
            Err(e) => ValueOutcome::Failed { message: e.message },
        }
    }
}

/// The value of every expression of `input.rgd` in the pass `input` describes, in document order.
pub(crate) fn values(input: &PlanInput<'_>) -> Vec<ExpressionValue> {
    let rgd = input.rgd;
    let schema = walk::schema_view(input.instance);
    let keys: Vec<ObjectKey> = input.observed.iter().map(ObjectKey::of).collect();
    let walk::Walked { plan, mut bindings, .. } =
        walk::Planner::new(input, walk::owner(input), &keys, None, &[]).run(&schema);
    let ids: HashMap<&str, usize> = rgd.resources.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    rgd.expressions
        .iter()
        .map(|site| {
            let resource = site.resource.and_then(|i| rgd.resources.get(i));
            ExpressionValue {
                span: site.span,
                resource: resource.map(|r| r.id.clone()),
                role: site.role,
                expression: site.expression.clone(),
                outcome: evaluate(input, &plan, &mut bindings, &ids, site),
            }
        })
        .collect()
}

fn evaluate(
    input: &PlanInput<'_>,
    plan: &Plan,
    bindings: &mut Bindings<'_>,
    ids: &HashMap<&str, usize>,
    site: &ExprSite,
) -> ValueOutcome {
    let resource = site.resource.and_then(|i| input.rgd.resources.get(i));
    let own = resource.map(|r| r.id.as_str());
    // An includeWhen is what decides the exclusion: its own value is worth showing.
    if site.role != Role::IncludeWhen && own.is_some_and(|id| plan.excluded.iter().any(|e| e == id)) {
        return ValueOutcome::Excluded;
    }
    let unread: Vec<&str> = site
        .references
        .iter()
        .map(String::as_str)
        .filter(|r| ids.contains_key(r) && bindings.get(r).is_none())
        .collect();
    if let Some(first) = unread.first() {
        let why = plan.pending.iter().find(|p| p.id == *first).map(|p: &PendingNode| p.reason.message.as_str());
        let reason = match why {
            Some(why) => format!("{first} is not ready at this step: {why}"),
            None => format!("{first} is not ready at this step"),
        };
        return ValueOutcome::Pending { reason };
    }
    let program = match input.evaluator.compile(&site.expression) {
        Ok(program) => program,
        Err(e) => return ValueOutcome::Failed { message: e.message },
    };
    let locals: Vec<&str> =
        site.references.iter().map(String::as_str).filter(|r| *r != "schema" && !ids.contains_key(r)).collect();
    let Some(resource) = resource.filter(|_| !locals.is_empty()) else {
        return ValueOutcome::of(bindings.evaluate(&program, &[]));
    };
    // Per item: `each` is an observed object of the collection, a dimension an element of its list.
    let (items, total): (Vec<Vec<(String, Value)>>, usize) = if locals.contains(&"each") {
        match bindings.get(&resource.id) {
            Some(Value::Array(observed)) => (
                observed.iter().take(MAX_ITEMS).map(|o| vec![("each".to_string(), o.clone())]).collect(),
                observed.len(),
            ),
            _ => return ValueOutcome::Pending { reason: format!("no object of {} is observed yet", resource.id) },
        }
    } else {
        let mut dimensions = Vec::new();
        for dimension in &resource.for_each {
            match super::render::render_string(input.rgd, &dimension.expression, input.evaluator, bindings, &[]) {
                Ok(Value::Array(list)) => dimensions.push((dimension.name.clone(), list)),
                Ok(Value::Null) => dimensions.push((dimension.name.clone(), Vec::new())),
                Ok(_) => return ValueOutcome::Failed { message: format!("forEach {} is not a list", dimension.name) },
                Err(e) => return ValueOutcome::of(Err(e)),
            }
        }
        product(&dimensions)
    };
    let outcomes = items
        .iter()
        .map(|item| {
            let locals: Vec<(&str, &Value)> = item.iter().map(|(n, v)| (n.as_str(), v)).collect();
            ValueOutcome::of(bindings.evaluate(&program, &locals))
        })
        .collect();
    ValueOutcome::Items { items: outcomes, total }
}

/// The cartesian product of the dimensions, the last varying fastest (the planner's order): its first
/// [`MAX_ITEMS`] combinations, and its size.
fn product(dimensions: &[(String, Vec<Value>)]) -> (Vec<Vec<(String, Value)>>, usize) {
    let size = dimensions.iter().try_fold(1usize, |n, (_, items)| n.checked_mul(items.len())).unwrap_or(usize::MAX);
    let items = (0..size.min(MAX_ITEMS))
        .map(|position| {
            let mut rest = position;
            let mut item = vec![(String::new(), Value::Null); dimensions.len()];
            for (d, (name, values)) in dimensions.iter().enumerate().rev() {
                item[d] = (name.clone(), values[rest % values.len()].clone());
                rest /= values.len();
            }
            item
        })
        .collect();
    (items, size)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::engine::{Engine, EngineOptions};
    use crate::plan::PlanOptions;

    const RGD: &str = r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: values}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Values
    spec:
      name: string
      extra: boolean | default=false
      zones: "[]string"
    status:
      endpoint: ${service.spec.clusterIP}
  resources:
    - id: service
      template:
        apiVersion: v1
        kind: Service
        metadata: {name: "${schema.spec.name}"}
        spec:
          ports: [{port: 80}]
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: "${service.metadata.name}-config"}
        data:
          address: ${service.spec.clusterIP}
    - id: extra
      includeWhen: ["${schema.spec.extra}"]
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: "${schema.spec.name}-extra"}
    - id: perZone
      forEach:
        - zone: ${schema.spec.zones}
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: "${schema.spec.name}-${zone}"}
"#;

    fn outcome<'v>(values: &'v [ExpressionValue], expression: &str) -> &'v ValueOutcome {
        &values.iter().find(|v| v.expression == expression).unwrap_or_else(|| panic!("{expression}")).outcome
    }

    #[test]
    fn each_expression_has_its_value_at_a_step_or_says_why_not() {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let doc = engine.compile_text(RGD).into_iter().next().unwrap();
        assert!(doc.diagnostics.iter().all(|d| !d.is_error()), "{:#?}", doc.diagnostics);
        let rgd = doc.rgd.unwrap();
        let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "Values",
            "metadata": {"name": "demo", "namespace": "team"},
            "spec": {"name": "web", "extra": false, "zones": ["a", "b", "c"]}});
        let options = PlanOptions::default();
        let simulation = engine.simulate(&rgd, &instance, &[], &options);
        assert_eq!(simulation.outcome, Ok(()));

        let first = engine.step_values(&rgd, &simulation, 0, &options);
        assert_eq!(outcome(&first, "schema.spec.name"), &ValueOutcome::Value { value: json!("web") });
        match outcome(&first, "service.spec.clusterIP") {
            ValueOutcome::Pending { reason } => {
                assert!(reason.starts_with("service is not ready at this step: applied"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(outcome(&first, "schema.spec.extra"), &ValueOutcome::Value { value: json!(false) });
        assert_eq!(
            outcome(&first, "zone"),
            &ValueOutcome::Items {
                items: ["a", "b", "c"].iter().map(|z| ValueOutcome::Value { value: json!(z) }).collect(),
                total: 3
            }
        );
        // The expression text of the excluded resource's name.
        let excluded = first.iter().find(|v| v.resource.as_deref() == Some("extra") && v.role == Role::Template);
        assert_eq!(excluded.map(|v| &v.outcome), Some(&ValueOutcome::Excluded));

        let last = engine.step_values(&rgd, &simulation, simulation.steps.len() - 1, &options);
        let ValueOutcome::Value { value } = outcome(&last, "service.spec.clusterIP") else { panic!() };
        assert!(value.as_str().is_some_and(|ip| ip.starts_with("10.")), "{value}");
        // The span points at the expression in the text.
        let site = last.iter().find(|v| v.expression == "service.metadata.name").unwrap();
        assert_eq!(site.span.start.line, 27);
        let json = serde_json::to_value(site).unwrap();
        assert_eq!(json["outcome"], "value");
        assert_eq!(json["value"], "web");
        assert_eq!(json["role"], "template");
    }
}
