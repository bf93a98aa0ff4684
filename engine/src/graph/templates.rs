//! The templates of a compiled RGD, compiled once for evaluation when an [`crate::Engine`] compiles the RGD:
//! each resource's template (or externalRef) and each string of its conditions, dimensions and status.

use std::collections::HashMap;

use serde_json::Value;

use super::CompiledRgd;
use crate::expr::eval::Evaluator;
use crate::expr::template::Template;

/// Every template an RGD's plans evaluate, compiled once: each resource's template (or externalRef) and each
/// string of its conditions, dimensions and status.
#[derive(Debug, Clone)]
pub(crate) struct CompiledTemplates {
    resources: Vec<Template>,
    strings: HashMap<String, Template>,
}

impl CompiledTemplates {
    /// Compiles every template of `rgd`.
    pub(crate) fn new(rgd: &CompiledRgd, evaluator: &Evaluator) -> CompiledTemplates {
        let resources = rgd.resources.iter().map(|r| Template::compile(&r.template, evaluator)).collect();
        let mut strings = HashMap::new();
        let mut add = |s: &str| {
            strings.entry(s.to_string()).or_insert_with(|| Template::compile_str(s, evaluator));
        };
        for r in &rgd.resources {
            r.include_when.iter().chain(r.readiness()).for_each(|s| add(s));
            r.for_each.iter().for_each(|d| add(&d.expression));
        }
        collect_strings(&rgd.status_template, &mut add);
        CompiledTemplates { resources, strings }
    }

    /// Resource `index`'s template.
    pub(crate) fn resource(&self, index: usize) -> Option<&Template> {
        self.resources.get(index)
    }

    /// A condition, dimension or status string, compiled.
    pub(crate) fn string(&self, s: &str) -> Option<&Template> {
        self.strings.get(s)
    }
}

fn collect_strings(value: &Value, add: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => add(s),
        Value::Array(items) => items.iter().for_each(|i| collect_strings(i, add)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, add)),
        _ => {}
    }
}
