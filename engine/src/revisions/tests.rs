//! Resolving an RGD's revisions: issuance on a spec change only, numbering, adoption, the compile result
//! in each revision's status, the fallback to the newest revision that compiles, garbage collection; and the
//! spec hash against values kro's own `pkg/graph/hash` computed.

use serde_json::{Value, json};

use super::*;
use crate::{EngineOptions, RevisionOptions};

/// The specs of `kro_hashes.json` and the hashes kro's `hash.Spec` gives them (computed by a Go program
/// linking kro's `api/v1alpha1` and `pkg/graph/hash` at the commit KRO-SEMANTICS describes).
const KRO_HASHES: &str = include_str!("kro_hashes.json");

#[test]
fn the_spec_hash_is_kros_byte_for_byte() {
    let cases: Vec<Value> = serde_json::from_str(KRO_HASHES).unwrap();
    assert!(cases.len() >= 5);
    for case in &cases {
        assert_eq!(spec_hash(&case["spec"]), case["kro"].as_str().unwrap(), "{}", case["case"]);
    }
    assert_eq!(spec_hash(&cases[2]["spec"]), spec_hash(&cases[3]["spec"]), "reordering changes nothing");
}

#[test]
fn the_extension_field_changes_the_hash_only_when_set() {
    let spec = json!({"schema": {"kind": "App", "apiVersion": "v1alpha1", "spec": {"name": "string"}}});
    let mut with_account = spec.clone();
    with_account["serviceAccountName"] = json!("deployer");
    let mut empty_account = spec.clone();
    empty_account["serviceAccountName"] = json!("");
    assert_ne!(spec_hash(&spec), spec_hash(&with_account));
    assert_eq!(spec_hash(&spec), spec_hash(&empty_account));
}

fn engine() -> Engine {
    Engine::new(EngineOptions::default()).unwrap()
}

fn rgd(data: &str, last_issued: Option<i64>) -> Value {
    let mut rgd = json!({
        "apiVersion": "kro.run/v1alpha1", "kind": "ResourceGraphDefinition",
        "metadata": {"name": "app", "uid": "uid-1", "generation": 4},
        "spec": {"schema": {"apiVersion": "v1alpha1", "kind": "App", "spec": {"name": "string"}},
            "resources": [{"id": "config", "template": {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "${schema.spec.name}"}, "data": {"value": data}}}]}
    });
    if let Some(n) = last_issued {
        rgd["status"] = json!({"lastIssuedRevision": n});
    }
    rgd
}

/// What the API server would hold after the host created `issued` and wrote its status.
fn stored(revisions: &Revisions) -> Value {
    let mut object = revisions.issue.clone().unwrap();
    let name = object["metadata"]["name"].as_str().unwrap().to_string();
    if let Some(status) = revisions.statuses.iter().find(|s| s.name == name) {
        object["status"] = status.body.clone();
    }
    object["metadata"]["generation"] = json!(1);
    object
}

fn options(keep: usize) -> RevisionOptions {
    RevisionOptions { max_graph_revisions: keep, ..RevisionOptions::default() }
}

#[test]
fn the_first_reconcile_issues_revision_one_and_serves_it() {
    let engine = engine();
    let first = engine.resolve_revisions(&rgd("v1", None), &[], &options(5));
    assert_eq!((first.last_issued, first.issue_reason), (1, Some("no_revision")));
    let issued = first.issue.as_ref().unwrap();
    assert_eq!(issued["metadata"]["name"], "app-r00001");
    assert_eq!(issued["spec"]["snapshot"]["generation"], 4);
    assert_eq!(issued["metadata"]["labels"]["kro.run/graph-revision-hash"], spec_hash(&rgd("v1", None)["spec"]));
    assert_eq!(first.in_use, Some(RevisionInUse { revision: 1, latest_failed: None }));
    assert_eq!(first.latest(), Some((1, true)));
    assert!(first.served.is_some());
    let status = &first.statuses[0];
    assert_eq!(status.name, "app-r00001");
    assert_eq!(status.body["topologicalOrder"], json!(["config"]));
    assert_eq!(status.body["conditions"][0]["type"], "GraphVerified");
    assert_eq!(status.body["conditions"][0]["reason"], "Verified");
    assert_eq!(status.body["conditions"][1]["type"], "Ready");
    assert_eq!(status.body["conditions"][1]["status"], "True");
}

#[test]
fn an_unchanged_spec_issues_nothing_and_writes_nothing() {
    let engine = engine();
    let first = engine.resolve_revisions(&rgd("v1", None), &[], &options(5));
    let listed = [stored(&first)];
    let again = engine.resolve_revisions(&rgd("v1", Some(1)), &listed, &options(5));
    assert!(
        again.issue.is_none()
            && again.issue_reason.is_none()
            && again.statuses.is_empty()
            && again.adopt.is_empty()
            && again.delete.is_empty()
    );
    assert_eq!((again.last_issued, again.in_use.as_ref().map(|u| u.revision)), (1, Some(1)));
}

#[test]
fn a_changed_spec_takes_the_next_number_after_the_recorded_one_even_with_older_revisions_gone() {
    let engine = engine();
    let first = engine.resolve_revisions(&rgd("v1", None), &[], &options(5));
    let listed = [stored(&first)];
    // The RGD records 7 issued (revisions 2 to 7 were garbage-collected or deleted by hand).
    let next = engine.resolve_revisions(&rgd("v2", Some(7)), &listed, &options(5));
    assert_eq!((next.last_issued, next.issue_reason), (8, Some("spec_changed")));
    assert_eq!(next.issue.as_ref().unwrap()["metadata"]["name"], "app-r00008");
    // No revision listed and none recorded: a restart with everything deleted still starts past the record.
    let fresh = engine.resolve_revisions(&rgd("v2", Some(8)), &[], &options(5));
    assert_eq!((fresh.last_issued, fresh.issue_reason), (9, Some("no_revision")));
}

#[test]
fn a_revision_that_does_not_compile_is_issued_and_instances_stay_on_the_last_that_compiled() {
    let engine = engine();
    let first = engine.resolve_revisions(&rgd("v1", None), &[], &options(5));
    let broken = rgd("${schema.spec.nope}", Some(1));
    let second = engine.resolve_revisions(&broken, &[stored(&first)], &options(5));
    assert_eq!(second.last_issued, 2);
    assert_eq!(second.latest(), Some((2, false)));
    let in_use = second.in_use.clone().unwrap();
    assert_eq!(in_use.revision, 1);
    let failed = in_use.latest_failed.unwrap();
    assert_eq!(failed.revision, 2);
    assert!(failed.message.contains("nope"), "{}", failed.message);
    let verified = &second.statuses[0].body["conditions"][0];
    assert_eq!((verified["status"].as_str(), verified["reason"].as_str()), (Some("False"), Some("InvalidGraph")));
    let message = verified["message"].as_str().unwrap();
    assert!(message.starts_with("failed to compile graph revision \"app-r00002\": "), "{message}");
    assert!(second.statuses[0].body.get("topologicalOrder").is_none());
    // The fix is revision 3, and it is served.
    let listed = [stored(&first), stored(&second)];
    let third = engine.resolve_revisions(&rgd("v3", Some(2)), &listed, &options(5));
    assert_eq!((third.last_issued, third.in_use.map(|u| (u.revision, u.latest_failed))), (3, Some((3, None))));
}

#[test]
fn garbage_collection_keeps_the_newest_and_never_the_one_served() {
    let engine = engine();
    let mut listed = Vec::new();
    let mut last = None;
    for i in 1..=4 {
        let resolved = engine.resolve_revisions(&rgd(&format!("v{i}"), last), &listed, &options(3));
        listed.push(stored(&resolved));
        last = Some(resolved.last_issued);
        if i == 4 {
            assert_eq!(resolved.delete, ["app-r00001"]);
        }
    }
    // Three broken revisions in a row: the newest three all fail, and revision 4 is kept as the one served.
    listed.remove(0);
    for i in 5..=7 {
        let resolved = engine.resolve_revisions(&rgd(&format!("${{nope{i}}}"), last), &listed, &options(3));
        listed.push(stored(&resolved));
        last = Some(resolved.last_issued);
        assert_eq!(resolved.in_use.as_ref().map(|u| u.revision), Some(4));
        if i == 7 {
            assert_eq!(resolved.delete, ["app-r00003", "app-r00002"]);
        }
    }
    let keep_all = engine.resolve_revisions(&rgd("v9", last), &listed, &options(0));
    assert!(keep_all.delete.is_empty());
}

#[test]
fn revisions_another_rgd_of_the_same_name_left_are_adopted_and_terminating_ones_keep_their_number() {
    let engine = engine();
    let first = engine.resolve_revisions(&rgd("v1", None), &[], &options(5));
    let mut orphan = stored(&first);
    orphan["metadata"]["ownerReferences"] = json!([{"apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition", "name": "app", "uid": "old-uid", "controller": true}]);
    let mut recreated = rgd("v1", None);
    recreated["metadata"]["uid"] = json!("uid-2");
    let adopted = engine.resolve_revisions(&recreated, &[orphan.clone()], &options(5));
    assert!(adopted.issue.is_none(), "the same spec: nothing to issue");
    assert_eq!(adopted.adopt.len(), 1);
    assert_eq!(adopted.adopt[0].body["metadata"]["ownerReferences"][0]["uid"], "uid-2");
    assert_eq!(adopted.last_issued, 1, "the number comes from the revision when the RGD records none");
    orphan["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
    let replaced = engine.resolve_revisions(&recreated, &[orphan], &options(5));
    assert_eq!(replaced.issue.as_ref().unwrap()["metadata"]["name"], "app-r00002");
}

#[test]
fn nothing_served_when_no_revision_compiles() {
    let engine = engine();
    let broken = engine.resolve_revisions(&rgd("${nope}", None), &[], &options(5));
    assert!(broken.served.is_none() && broken.in_use.is_none());
    assert_eq!(broken.latest(), Some((1, false)));
    assert!(broken.issue.is_some(), "a spec that does not compile is a revision all the same");
}
