//! What the API server would refuse in a rendered object, found before it is applied: the rules of
//! [`crate::schemas::rules`] over the object as it will be sent, with kro's labels stamped. The graph build
//! already checked the template's literal values; here every value is known, so what an expression computed
//! is checked too (a `Service` name built from the instance's name, a replica count from its spec, the
//! 64-character instance name kro copies into a label value). Each finding is a diagnostic located in the
//! RGD: at the `${...}` that computed the value when there is one, else at the resource.

use serde_json::Value;

use super::types::PlanInput;
use crate::diagnostics::{Diagnostic, Path, Segment};
use crate::graph::{Resource, Role};
use crate::schemas::rules::{KindRules, Mode, Refusal, refusals};

/// The findings for `object`, rendered by the resource at `index`; empty when the API server would take it.
pub(super) fn refused(input: &PlanInput<'_>, index: usize, object: &Value) -> Vec<Diagnostic> {
    let rgd = input.rgd;
    let Some(resource) = rgd.resources.get(index) else { return Vec::new() };
    let rules = input
        .catalog
        .kind_rules(&resource.api_version, &resource.kind)
        .or_else(|| rgd.installed_type(&resource.api_version, &resource.kind).map(|_| KindRules::Custom));
    let Some(rules) = rules else { return Vec::new() };
    let template = Path::root().key("spec").key("resources").index(index).key("template");
    refusals(object, rules, Mode::Rendered)
        .into_iter()
        .map(|refusal| {
            let path = template.join(&refusal.path);
            let span = span_of(input, index, resource, &path);
            let message = format!("the API server would refuse {}: {}", identity(object), refusal.message());
            let diagnostic = Diagnostic::error(refusal.code, message, path, span);
            match help(&refusal) {
                Some(help) => diagnostic.with_help(help),
                None => diagnostic,
            }
        })
        .collect()
}

/// `Kind namespace/name`, as a user finds the object (a long name cut short: the finding quotes it).
fn identity(object: &Value) -> String {
    let s = |p: &str| object.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let name = s("/metadata/name");
    let name = if name.chars().count() > 80 {
        format!("{}…", name.chars().take(40).collect::<String>())
    } else {
        name.to_string()
    };
    match s("/metadata/namespace") {
        "" => format!("{} {name}", s("/kind")),
        namespace => format!("{} {namespace}/{name}", s("/kind")),
    }
}

/// Help for a finding in a label kro itself puts on every child: the value comes from the instance.
fn help(refusal: &Refusal) -> Option<&'static str> {
    let label = refusal.path.segments().get(2).filter(|_| refusal.path.segments().len() == 3);
    match label {
        Some(Segment::Key(key)) if key.starts_with("kro.run/instance-") => Some(
            "kro labels every child with its instance's name and namespace: a label value has at most 63 \
             characters, so use a shorter instance name",
        ),
        _ => None,
    }
}

/// Where the refused value came from: the innermost `${...}` of the template at or above `path`, else the
/// first one below it, else the resource's id.
fn span_of(input: &PlanInput<'_>, index: usize, resource: &Resource, path: &Path) -> crate::yaml::Span {
    let sites = || input.rgd.expressions.iter().filter(move |s| s.resource == Some(index) && s.role == Role::Template);
    sites()
        .filter(|s| path.strip_prefix(&s.path).is_some())
        .max_by_key(|s| s.path.segments().len())
        .or_else(|| sites().find(|s| s.path.strip_prefix(path).is_some()))
        .map_or(resource.id_span, |s| s.span)
}
