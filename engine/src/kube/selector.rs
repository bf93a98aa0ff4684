//! Kubernetes label selectors (`metav1.LabelSelector`): `matchLabels` and `matchExpressions` with `In`, `NotIn`,
//! `Exists` and `DoesNotExist`, all of which must hold. An empty selector matches everything. (kube-core has a
//! matcher, but it would bring k8s-openapi into the engine, which also builds for the browser.)

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct LabelSelector {
    requirements: Vec<Requirement>,
}

impl LabelSelector {
    pub(crate) fn parse(selector: &Value) -> Result<Self, String> {
        let mut requirements = Vec::new();
        let Some(fields) = selector.as_object() else {
            return Err(format!("a label selector is an object with matchLabels and matchExpressions, got {selector}"));
        };
        if let Some(labels) = fields.get("matchLabels") {
            let labels = labels.as_object().ok_or("matchLabels must map label keys to values")?;
            for (key, value) in labels {
                let value = value.as_str().ok_or_else(|| format!("matchLabels.{key} must be a string"))?;
                requirements.push(Requirement::In(key.clone(), vec![value.to_string()]));
            }
        }
        if let Some(expressions) = fields.get("matchExpressions") {
            let expressions = expressions.as_array().ok_or("matchExpressions must be a list")?;
            for (i, e) in expressions.iter().enumerate() {
                let key = e
                    .get("key")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("matchExpressions[{i}].key is required"))?;
                let values: Vec<String> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|v| v.iter().filter_map(Value::as_str).map(str::to_string).collect())
                    .unwrap_or_default();
                let operator = e.get("operator").and_then(Value::as_str).unwrap_or_default();
                let key = key.to_string();
                requirements.push(match operator {
                    "In" | "NotIn" if values.is_empty() => {
                        return Err(format!("matchExpressions[{i}]: operator {operator} needs values"));
                    }
                    "In" => Requirement::In(key, values),
                    "NotIn" => Requirement::NotIn(key, values),
                    "Exists" => Requirement::Exists(key),
                    "DoesNotExist" => Requirement::DoesNotExist(key),
                    other => {
                        return Err(format!(
                            "matchExpressions[{i}]: operator {other:?} is not one of In, NotIn, Exists, DoesNotExist"
                        ));
                    }
                });
            }
        }
        Ok(LabelSelector { requirements })
    }

    /// The selector in the API server's `labelSelector` syntax (`app=web,tier in (a,b),!legacy`), so a host
    /// lists only the matching objects.
    pub(crate) fn to_query(&self) -> String {
        let requirement = |r: &Requirement| match r {
            Requirement::In(key, values) if values.len() == 1 => format!("{key}={}", values[0]),
            Requirement::In(key, values) => format!("{key} in ({})", values.join(",")),
            Requirement::NotIn(key, values) => format!("{key} notin ({})", values.join(",")),
            Requirement::Exists(key) => key.clone(),
            Requirement::DoesNotExist(key) => format!("!{key}"),
        };
        self.requirements.iter().map(requirement).collect::<Vec<_>>().join(",")
    }

    /// Whether `object`'s `metadata.labels` satisfy every requirement.
    pub(crate) fn matches(&self, object: &Value) -> bool {
        self.matches_labels(object.get("metadata").and_then(|m| m.get("labels")).unwrap_or(&Value::Null))
    }

    /// Whether the labels `labels` (a map of strings) satisfy every requirement.
    pub(crate) fn matches_labels(&self, labels: &Value) -> bool {
        let label = |key: &str| labels.get(key)?.as_str();
        self.requirements.iter().all(|r| match r {
            Requirement::In(key, values) => label(key).is_some_and(|v| values.iter().any(|x| x == v)),
            Requirement::NotIn(key, values) => label(key).is_none_or(|v| values.iter().all(|x| x != v)),
            Requirement::Exists(key) => label(key).is_some(),
            Requirement::DoesNotExist(key) => label(key).is_none(),
        })
    }
}

#[cfg(test)]
mod query_tests {
    use serde_json::json;

    use super::LabelSelector;

    #[test]
    fn a_selector_is_written_as_the_api_server_reads_it() {
        let selector = LabelSelector::parse(&json!({"matchLabels": {"app": "web"}, "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["a", "b"]},
            {"key": "zone", "operator": "NotIn", "values": ["x"]},
            {"key": "team", "operator": "Exists"}, {"key": "legacy", "operator": "DoesNotExist"}]}))
        .unwrap();
        assert_eq!(selector.to_query(), "app=web,tier in (a,b),zone notin (x),team,!legacy");
        assert_eq!(LabelSelector::parse(&json!({})).unwrap().to_query(), "");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(labels: &Value) -> Value {
        json!({"metadata": {"labels": labels}})
    }

    #[test]
    fn every_selector_operator_matches_as_kubernetes_does() {
        let selector = LabelSelector::parse(&json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["front", "edge"]},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "team", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"}
            ]
        }))
        .unwrap();
        assert!(selector.matches(&object(&json!({"app": "web", "tier": "edge", "team": "a"}))));
        assert!(selector.matches(&object(&json!({"app": "web", "tier": "front", "team": "a", "env": "prod"}))));
        assert!(!selector.matches(&object(&json!({"app": "web", "tier": "front", "team": "a", "env": "dev"}))));
        assert!(!selector.matches(&object(&json!({"app": "web", "tier": "back", "team": "a"}))));
        assert!(!selector.matches(&object(&json!({"app": "web", "tier": "front"}))));
        assert!(!selector.matches(&object(&json!({"app": "web", "tier": "front", "team": "a", "legacy": "y"}))));
        assert!(LabelSelector::parse(&json!({})).unwrap().matches(&json!({})));
    }

    #[test]
    fn malformed_selectors_are_errors() {
        for (selector, message) in [
            (json!({"matchExpressions": [{"key": "a", "operator": "Near"}]}), "is not one of In"),
            (json!({"matchExpressions": [{"key": "a", "operator": "In"}]}), "needs values"),
            (json!({"matchLabels": {"a": 1}}), "must be a string"),
            (json!("app=web"), "a label selector is an object"),
        ] {
            let error = LabelSelector::parse(&selector).unwrap_err();
            assert!(error.contains(message), "{error}");
        }
    }
}
