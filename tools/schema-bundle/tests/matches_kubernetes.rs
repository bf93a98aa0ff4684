#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test: a failure should stop it loudly
//! Compares the bundle with the OpenAPI v3 document kube-apiserver itself publishes: `api/openapi-spec/v3` of the
//! k8s.io/kubernetes Go module that the API-server harness (`tests/apiserver/go.mod`) builds, read from the Go
//! module cache. Checks the kinds (every GA kind is there, with the right plural and scope), and for every
//! definition its types, formats, required fields, descriptions, properties, `$ref`s, and int-or-string and
//! preserve-unknown-fields markers. Skipped, with a note, when the module is not in the cache (`make apiserver`
//! puts it there).
//!
//! Known and accepted differences: k8s-openapi carries no `default`, `enum`, `x-kubernetes-list-type`,
//! `x-kubernetes-list-map-keys`, `x-kubernetes-map-type` or `x-kubernetes-unions` (not compared), and writes
//! `IntOrString` as `x-kubernetes-int-or-string` where the document has `format: int-or-string` with a `oneOf`,
//! and spells out the alternatives of apiextensions' `JSONSchemaPropsOr{Array,Bool,StringArray}` as a `oneOf`
//! where the document leaves them untyped.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use serde_json::{Map, Value};

fn spec_dir() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let go_mod = std::fs::read_to_string(root.join("tests/apiserver/go.mod")).ok()?;
    let version = go_mod.lines().find_map(|l| l.trim().strip_prefix("k8s.io/kubernetes "))?.trim().to_string();
    let go_env = || {
        let out = std::process::Command::new("go").args(["env", "GOMODCACHE"]).output().ok()?;
        let dir = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !dir.is_empty()).then(|| PathBuf::from(dir))
    };
    let cache = std::env::var_os("GOMODCACHE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(go_env)
        .or_else(|| std::env::var_os("GOPATH").filter(|v| !v.is_empty()).map(|p| PathBuf::from(p).join("pkg/mod")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join("go/pkg/mod")))?;
    let dir = cache.join(format!("k8s.io/kubernetes@{version}/api/openapi-spec/v3"));
    dir.is_dir().then_some(dir)
}

struct Published {
    schemas: Map<String, Value>,
    paths: HashSet<String>,
}

fn load(dir: &PathBuf) -> Published {
    let mut schemas = Map::new();
    let mut paths = HashSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            if let Some(Value::Object(s)) = doc.pointer("/components/schemas") {
                schemas.extend(s.clone());
            }
            if let Some(Value::Object(p)) = doc.get("paths") {
                paths.extend(p.keys().cloned());
            }
        }
    }
    Published { schemas, paths }
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next())
}

/// The published document wraps a `$ref` with siblings as `allOf: [{$ref}]`; read through that.
fn unwrap_all_of(schema: &Value) -> Map<String, Value> {
    let mut out = schema.as_object().cloned().unwrap_or_default();
    if let Some(Value::Array(all)) = out.remove("allOf")
        && let [one] = all.as_slice()
    {
        out.extend(one.as_object().cloned().unwrap_or_default());
    }
    out
}

fn compare(path: &str, ours: &Value, theirs: &Value, errors: &mut Vec<String>) {
    let theirs = Value::Object(unwrap_all_of(theirs));
    let int_or_string = path == "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    let spelled_out = path.starts_with("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOr");
    for key in
        ["type", "format", "description", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string", "oneOf"]
    {
        let accepted = (int_or_string && matches!(key, "format" | "oneOf" | "x-kubernetes-int-or-string"))
            || (spelled_out && key == "oneOf");
        if accepted {
            continue;
        }
        // The bundle keeps the first paragraph of each description.
        let theirs_value = match (key, theirs.get(key)) {
            ("description", Some(Value::String(text))) => {
                Some(Value::String(kro_schema_bundle::first_paragraph(text).to_string()))
            }
            (_, value) => value.cloned(),
        };
        if ours.get(key) != theirs_value.as_ref() {
            errors.push(format!("{path}: {key} is {:?}, Kubernetes has {:?}", ours.get(key), theirs_value));
        }
    }
    if ref_name(ours) != ref_name(&theirs) {
        errors.push(format!("{path}: $ref {:?}, Kubernetes has {:?}", ref_name(ours), ref_name(&theirs)));
    }
    let set = |v: &Value, key: &str| -> BTreeSet<String> {
        v.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(String::from).collect()
    };
    if set(ours, "required") != set(&theirs, "required") {
        errors.push(format!(
            "{path}: required {:?}, Kubernetes has {:?}",
            set(ours, "required"),
            set(&theirs, "required")
        ));
    }
    let props = |v: &Value| v.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    let (ours_props, theirs_props) = (props(ours), props(&theirs));
    let names = |m: &Map<String, Value>| m.keys().cloned().collect::<BTreeSet<_>>();
    if names(&ours_props) != names(&theirs_props) {
        errors.push(format!(
            "{path}: properties differ: only ours {:?}, only Kubernetes {:?}",
            names(&ours_props).difference(&names(&theirs_props)).collect::<Vec<_>>(),
            names(&theirs_props).difference(&names(&ours_props)).collect::<Vec<_>>()
        ));
    }
    for (name, schema) in &ours_props {
        if let Some(other) = theirs_props.get(name) {
            compare(&format!("{path}.{name}"), schema, other, errors);
        }
    }
    for key in ["items", "additionalProperties"] {
        match (ours.get(key), theirs.get(key)) {
            (Some(a), Some(b)) if a.is_object() && b.is_object() => compare(&format!("{path}.<{key}>"), a, b, errors),
            (a, b) if a.is_some() != b.is_some() => {
                errors.push(format!("{path}: {key} {a:?}, Kubernetes has {b:?}"));
            }
            _ => {}
        }
    }
}

#[test]
fn bundle_matches_the_published_kubernetes_openapi() {
    let Some(dir) = spec_dir() else {
        eprintln!("skipped: k8s.io/kubernetes is not in the Go module cache (run `make apiserver` first)");
        return;
    };
    let published = load(&dir);
    let bundle = kro_schema_bundle::bundle();
    let mut errors = Vec::new();

    // Kinds: the same set of GA kinds, with the plural and scope of the API paths.
    let ours: BTreeSet<(String, String, String)> = bundle["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["group"].as_str().unwrap().into(),
                k["version"].as_str().unwrap().into(),
                k["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    let subresources = ["Scale", "Eviction", "TokenRequest"];
    let mut theirs = BTreeSet::new();
    for (name, schema) in &published.schemas {
        if name.starts_with("io.k8s.apimachinery.pkg.apis.meta.") || name.ends_with("List") {
            continue;
        }
        for gvk in schema.get("x-kubernetes-group-version-kind").and_then(Value::as_array).into_iter().flatten() {
            let field = |k: &str| gvk[k].as_str().unwrap().to_string();
            let ga = field("version").strip_prefix('v').is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
            if ga && !subresources.contains(&field("kind").as_str()) {
                theirs.insert((field("group"), field("version"), field("kind")));
            }
        }
    }
    for missing in theirs.difference(&ours) {
        errors.push(format!("kind {missing:?} is served by Kubernetes but missing from the bundle"));
    }
    for extra in ours.difference(&theirs) {
        errors.push(format!("kind {extra:?} is in the bundle but not served by Kubernetes"));
    }
    for kind in bundle["kinds"].as_array().unwrap() {
        let (group, version, plural) =
            (kind["group"].as_str().unwrap(), kind["version"].as_str().unwrap(), kind["plural"].as_str().unwrap());
        let base = if group.is_empty() { "/api/v1".to_string() } else { format!("/apis/{group}/{version}") };
        let namespaced = published.paths.contains(&format!("{base}/namespaces/{{namespace}}/{plural}"));
        let cluster = published.paths.contains(&format!("{base}/{plural}"));
        let scope = match (namespaced, cluster) {
            (true, _) => "Namespaced",
            (false, true) => "Cluster",
            (false, false) => "no API path",
        };
        if kind["scope"] != scope {
            errors.push(format!(
                "kind {} of {base}: scope {}, Kubernetes serves it as {scope}",
                kind["kind"], kind["scope"]
            ));
        }
    }

    // Definitions.
    for (name, schema) in bundle["definitions"].as_object().unwrap() {
        match published.schemas.get(name) {
            Some(other) => compare(name, schema, other, &mut errors),
            None => errors.push(format!("{name}: not a definition Kubernetes publishes")),
        }
    }
    assert!(errors.is_empty(), "{} difference(s) from {}:\n{}", errors.len(), dir.display(), errors.join("\n"));
}
