#![allow(clippy::unwrap_used)] // tests: a failure should stop loudly

use super::*;
use crate::engine::EngineOptions;

const WEBAPP: &str = include_str!("../../../examples/webapp/rgd.yaml");
const INSTANCE: &str = include_str!("../../../examples/webapp/instance.yaml");
const DEFINES_DATABASE: &str = "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: db\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: Database\n    spec:\n      replicas: integer\n";
const USES_DATABASE: &str = "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: app\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: App\n    status:\n      replicas: ${db.spec.replicas}\n  resources:\n    - id: db\n      template:\n        apiVersion: kro.run/v1alpha1\n        kind: Database\n        metadata:\n          name: db\n        spec:\n          replicaz: 1\n";
const BUCKET_CRD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {kind: Bucket, plural: buckets}\n  versions:\n    - name: v1\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec: {type: object, properties: {size: {type: integer}}}\n";
const USES_BUCKET: &str = "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: store\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: Store\n  resources:\n    - id: bucket\n      template:\n        apiVersion: example.com/v1\n        kind: Bucket\n        metadata:\n          name: b\n        spec:\n          sise: 3\n";

fn workspace() -> Workspace {
    Workspace::new(Engine::new(EngineOptions::default()).unwrap())
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&str> {
    diagnostics.iter().map(|d| d.code.as_str()).collect()
}

const REQUEST: PlanRequest<'static> =
    PlanRequest { rgd: "rgd.yaml", instance: "instance.yaml", observed: Some("observed.yaml") };

fn webapp() -> Workspace {
    let mut ws = workspace();
    ws.set("rgd.yaml", DocumentKind::Rgds, WEBAPP);
    ws.set("instance.yaml", DocumentKind::Instance, INSTANCE);
    ws.set("observed.yaml", DocumentKind::Observed, "");
    ws
}

#[test]
fn every_question_about_an_edit_is_answered_from_one_compile() {
    let mut ws = webapp();
    assert_eq!(ws.compiles(), 0, "setting texts compiles nothing");
    assert!(ws.diagnostics("rgd.yaml").is_empty());
    assert_eq!(ws.valid_rgds("rgd.yaml").unwrap().len(), 1);
    let plan = ws.plan(&REQUEST, &PlanOptions::default()).unwrap();
    assert_eq!(plan.resources[0].id, "deployment");
    assert!(ws.simulate(&REQUEST, &PlanOptions::default()).unwrap().outcome.is_ok());
    assert!(!ws.complete("rgd.yaml", LspPosition { line: 30, character: 10 }).is_empty());
    assert_eq!(ws.compiles(), 1);

    // The instance changes: no compile.
    ws.set("instance.yaml", DocumentKind::Instance, &INSTANCE.replace("enabled: true", "enabled: false"));
    let plan = ws.plan(&REQUEST, &PlanOptions::default()).unwrap();
    assert_eq!(plan.excluded, ["ingress"]);
    assert_eq!(ws.compiles(), 1);

    // The same text again changes nothing; a new text compiles once, whatever is asked.
    assert!(!ws.set("rgd.yaml", DocumentKind::Rgds, WEBAPP));
    ws.set("rgd.yaml", DocumentKind::Rgds, &format!("# edited\n{WEBAPP}"));
    let _ = ws.diagnostics("rgd.yaml");
    let _ = ws.plan(&REQUEST, &PlanOptions::default()).unwrap();
    let _ = ws.hover("rgd.yaml", LspPosition { line: 10, character: 8 });
    assert_eq!(ws.compiles(), 2);
}

#[test]
fn documents_use_the_kinds_other_documents_define_and_are_compiled_again_only_when_those_change() {
    let mut ws = workspace();
    ws.set("app.yaml", DocumentKind::Rgds, USES_DATABASE);
    ws.set("db.yaml", DocumentKind::Rgds, DEFINES_DATABASE);
    // The misspelt field is found only because the other document's kind is known.
    assert_eq!(codes(&ws.diagnostics("app.yaml")), ["unknown-template-field"]);
    assert!(ws.diagnostics("db.yaml").is_empty());
    assert_eq!(ws.compiles(), 2);

    // An edit of db.yaml that leaves its CRD as it was compiles db.yaml alone.
    ws.set("db.yaml", DocumentKind::Rgds, &format!("# a comment\n{DEFINES_DATABASE}"));
    assert_eq!(codes(&ws.diagnostics("app.yaml")), ["unknown-template-field"]);
    assert_eq!(ws.compiles(), 3);

    // One that changes it compiles app.yaml again, which now checks against the new schema.
    ws.set("db.yaml", DocumentKind::Rgds, &DEFINES_DATABASE.replace("replicas: integer", "replicaz: integer"));
    assert_eq!(codes(&ws.diagnostics("app.yaml")), ["cel-type-error"], "{:?}", ws.diagnostics("app.yaml"));
    assert_eq!(ws.compiles(), 5);

    // Without the defining document, the kind is unknown again.
    assert!(ws.remove("db.yaml"));
    assert_eq!(codes(&ws.diagnostics("app.yaml")), ["unknown-kind"]);
}

#[test]
fn crd_documents_teach_kinds_and_report_what_keeps_them_out() {
    let mut ws = workspace();
    ws.set("store.yaml", DocumentKind::Rgds, USES_BUCKET);
    assert_eq!(codes(&ws.diagnostics("store.yaml")), ["unknown-kind"]);
    ws.set("crds/bucket.yaml", DocumentKind::Crds, BUCKET_CRD);
    assert_eq!(codes(&ws.diagnostics("store.yaml")), ["unknown-template-field"]);
    assert!(ws.diagnostics("crds/bucket.yaml").is_empty());
    ws.set("crds/broken.yaml", DocumentKind::Crds, "kind: [");
    assert_eq!(codes(&ws.diagnostics("crds/broken.yaml")), ["yaml-syntax"]);
    assert_eq!(codes(&ws.diagnostics("store.yaml")), ["unknown-template-field"], "the other CRD file still counts");
    // Completion knows the kind too.
    let text = USES_BUCKET.replace("sise: 3", "s");
    ws.set("store.yaml", DocumentKind::Rgds, &text);
    let items = ws.complete("store.yaml", LspPosition { line: 16, character: 11 });
    assert!(items.iter().any(|i| i.label == "size"), "{items:?}");
}

#[test]
fn why_no_plan_is_made_is_data_naming_the_document_at_fault() {
    let mut ws = webapp();
    let plan = |ws: &mut Workspace| ws.plan(&REQUEST, &PlanOptions::default());

    ws.set("observed.yaml", DocumentKind::Observed, "a: [");
    let Err(PlanBlocked::InvalidObserved(d)) = plan(&mut ws) else { panic!("{:?}", plan(&mut ws)) };
    assert_eq!(d.code, Code::YamlSyntax);
    assert_eq!(codes(&ws.diagnostics("observed.yaml")), ["yaml-syntax"]);
    ws.set("observed.yaml", DocumentKind::Observed, "# nothing observed yet\n");
    assert!(plan(&mut ws).is_ok(), "an observed document without objects is no objects");

    ws.set("instance.yaml", DocumentKind::Instance, "# not written yet\n");
    assert_eq!(plan(&mut ws), Err(PlanBlocked::EmptyInstance));
    ws.set("instance.yaml", DocumentKind::Instance, &INSTANCE.replace("enabled: true", "enabled: 12"));
    let Err(PlanBlocked::InvalidInstance(found)) = plan(&mut ws) else { panic!() };
    assert_eq!(codes(&found), ["instance-type"]);
    assert_eq!(found[0].position().map(|(line, _)| line), Some(8), "located in the instance document");
    assert_eq!(codes(&ws.diagnostics("instance.yaml")), ["instance-type"], "the instance's RGD is found by kind");
    ws.set("instance.yaml", DocumentKind::Instance, INSTANCE);

    ws.set(
        "rgd.yaml",
        DocumentKind::Rgds,
        &WEBAPP.replace("${deployment.spec.selector.matchLabels}", "${deploymnt.spec.selector.matchLabels}"),
    );
    let Err(PlanBlocked::InvalidRgd(found)) = plan(&mut ws) else { panic!() };
    assert_eq!(codes(&found), ["unknown-identifier"]);
    ws.set("rgd.yaml", DocumentKind::Rgds, &format!("{WEBAPP}\n---\n{DEFINES_DATABASE}"));
    assert_eq!(plan(&mut ws), Err(PlanBlocked::NotOneRgd(NotOneRgd { found: 2 })));

    let missing = ws.plan(&PlanRequest { rgd: "nope.yaml", ..REQUEST }, &PlanOptions::default());
    assert_eq!(missing, Err(PlanBlocked::NoSuchDocument { name: "nope.yaml".into(), kind: DocumentKind::Rgds }));
}

#[test]
fn warnings_keep_the_graph_back_only_when_denied() {
    let mut ws = workspace();
    ws.set("app.yaml", DocumentKind::Rgds, &USES_DATABASE.replace("replicaz", "replicas"));
    assert_eq!(ws.valid_rgds("app.yaml").unwrap().len(), 1);
    ws.set_deny_warnings(true);
    assert_eq!(codes(&ws.valid_rgds("app.yaml").unwrap_err()), ["unknown-kind"]);
}

#[test]
fn a_simulation_is_made_once_for_the_same_documents_and_its_steps_have_values() {
    let mut ws = webapp();
    let options = PlanOptions::default();
    let first = ws.simulation(&REQUEST, &options).unwrap();
    let again = ws.simulation(&REQUEST, &options).unwrap();
    assert!(Arc::ptr_eq(&first, &again), "asked twice, simulated once");
    let last = first.len();
    let values = ws.values(&REQUEST, &options, last).unwrap();
    assert!(values.iter().any(|v| v.expression == "schema.spec.name"));
    assert!(ws.values(&REQUEST, &options, last + 1).unwrap().is_empty());
    assert!(Arc::ptr_eq(&first, &ws.simulation(&REQUEST, &options).unwrap()));
    // A change of the instance, or of the options, simulates again.
    ws.set("instance.yaml", DocumentKind::Instance, &INSTANCE.replace("enabled: true", "enabled: false"));
    let changed = ws.simulation(&REQUEST, &options).unwrap();
    assert!(!Arc::ptr_eq(&first, &changed));
    let later = PlanOptions { kro_version: "other".into(), ..PlanOptions::default() };
    assert!(!Arc::ptr_eq(&changed, &ws.simulation(&REQUEST, &later).unwrap()));
}

#[test]
fn an_instance_and_observed_objects_complete_the_fields_of_their_kinds() {
    let mut ws = webapp();
    let labels = |ws: &mut Workspace, name: &str, text: &str, line: u32, character: u32| {
        ws.set(name, ws.kind(name).unwrap(), text);
        ws.complete(name, LspPosition { line, character }).into_iter().map(|i| i.label).collect::<Vec<_>>()
    };
    // Under spec: the instance API's fields not written yet.
    let instance = "apiVersion: kro.run/v1alpha1\nkind: Application\nmetadata:\n  name: demo\nspec:\n  name: web\n  \n";
    let at_spec = labels(&mut ws, "instance.yaml", instance, 6, 2);
    assert!(at_spec.contains(&"image".to_string()) && at_spec.contains(&"ingress".to_string()), "{at_spec:?}");
    assert!(!at_spec.contains(&"name".to_string()), "name is written already: {at_spec:?}");
    // A boolean's values.
    let value =
        "apiVersion: kro.run/v1alpha1\nkind: Application\nmetadata:\n  name: demo\nspec:\n  ingress:\n    enabled: \n";
    assert_eq!(labels(&mut ws, "instance.yaml", value, 6, 13), ["false", "true"]);
    // While the kind is not written, the workspace's one RGD is meant; another kind is not completed.
    let untyped = "spec:\n  \n";
    assert!(labels(&mut ws, "instance.yaml", untyped, 1, 2).contains(&"image".to_string()));
    let other = "apiVersion: v1\nkind: Pod\nspec:\n  \n";
    assert!(labels(&mut ws, "instance.yaml", other, 3, 2).is_empty());
    // An observed Service: the fields of a Service's spec.
    let observed = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  \n";
    let service = labels(&mut ws, "observed.yaml", observed, 5, 2);
    assert!(service.contains(&"clusterIP".to_string()) && service.contains(&"ports".to_string()), "{service:?}");
}

#[test]
fn completion_in_instances_and_observed_objects_never_panics_whatever_the_text() {
    let mut ws = webapp();
    let deep: String = (0..60).map(|i| format!("{}a{i}:\n", "  ".repeat(i))).collect();
    for text in
        [INSTANCE, "{{{{:::: ---\n\t- ]]", "spec:\n  ingress: [\n", "kind: Application\nspec: {é: ☃}\n", &deep, ""]
    {
        for kind in [DocumentKind::Instance, DocumentKind::Observed] {
            let name = if kind == DocumentKind::Instance { "instance.yaml" } else { "observed.yaml" };
            ws.set(name, kind, text);
            for (line, content) in text.split('\n').enumerate() {
                for character in 0..=content.encode_utf16().count() + 1 {
                    let position = LspPosition {
                        line: u32::try_from(line).unwrap(),
                        character: u32::try_from(character).unwrap(),
                    };
                    let _ = ws.complete(name, position);
                }
            }
        }
    }
}
