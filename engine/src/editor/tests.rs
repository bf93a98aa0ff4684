//! Editor services on the web application example and on every prefix of every example.

use super::*;
use crate::engine::{Engine, EngineOptions};
use crate::position::{LineIndex, LspPosition};

const WEBAPP: &str = include_str!("../../../examples/webapp/rgd.yaml");

const EXAMPLES: &[&str] = &[
    WEBAPP,
    include_str!("../../../examples/webapp-db/rgd.yaml"),
    include_str!("../../../examples/edge-cache/rgd.yaml"),
    include_str!("../../../examples/tenant/rgd.yaml"),
    include_str!("../../../examples/worker/rgd.yaml"),
];

/// The text with `marker` removed, and the LSP position where it was.
fn at_marker(text: &str, marker: &str) -> (String, LspPosition) {
    let byte = text.find(marker).unwrap();
    let cleaned = text.replacen(marker, "", 1);
    let position = LineIndex::new(&cleaned).lsp_position_of_byte(byte);
    (cleaned, position)
}

/// The webapp example with `insert` placed right after the first `after`, and the position after `insert`.
fn typed(after: &str, insert: &str) -> (String, LspPosition) {
    let at = WEBAPP.find(after).unwrap() + after.len();
    let text = format!("{}{insert}@@{}", &WEBAPP[..at], &WEBAPP[at..]);
    at_marker(&text, "@@")
}

fn engine() -> Engine {
    Engine::new(EngineOptions::default()).unwrap()
}

fn labels(items: &[CompletionItem]) -> Vec<&str> {
    items.iter().map(|i| i.label.as_str()).collect()
}

#[test]
fn completion_after_a_deployment_reference_offers_its_spec_fields_with_types() {
    let (text, at) = typed("replicas: 3\n", "          paused: ${deployment.spec.");
    let items = complete(&text, at, &engine());
    let replicas = items.iter().find(|i| i.label == "replicas").expect("replicas offered");
    assert_eq!(replicas.kind, CompletionKind::Field);
    assert_eq!(replicas.detail.as_deref(), Some("integer"));
    assert!(replicas.documentation.as_deref().unwrap_or("").contains("desired pods"));
    let template = items.iter().find(|i| i.label == "template").expect("template offered");
    assert_eq!(template.detail.as_deref(), Some("PodTemplateSpec (required)"));
}

#[test]
fn completion_at_the_start_of_an_expression_offers_schema_resources_and_functions() {
    let (text, at) = typed("name: ${schema.spec.name}-service\n", "          x: ${");
    let items = complete(&text, at, &engine());
    let names = labels(&items);
    for expected in ["schema", "deployment", "ingress", "has", "size", "random.seededString"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    assert!(!names.contains(&"service"), "a resource does not reference itself");
    let size = items.iter().find(|i| i.label == "size").unwrap();
    // The first overload on the item's line, every overload in its documentation.
    assert_eq!(size.detail.as_deref(), Some("size(string) -> int"));
    let documentation = size.documentation.as_deref().unwrap();
    assert!(documentation.contains("size(map(A, B)) -> int"), "{documentation}");
}

#[test]
fn completion_of_schema_spec_lists_the_instance_fields_with_their_types() {
    let (text, at) = typed("name: ${schema.spec.name}-service\n", "          x: ${schema.spec.im");
    let items = complete(&text, at, &engine());
    assert_eq!(labels(&items).first(), Some(&"image"));
    assert_eq!(items[0].detail.as_deref(), Some("string"));
    // The replaced range is the partial word.
    assert_eq!(items[0].range.end.character - items[0].range.start.character, 2);
    let (text, at) = typed("name: ${schema.spec.name}-service\n", "          x: ${schema.spec.ingress.");
    let items = complete(&text, at, &engine());
    assert_eq!(items[0].label, "enabled");
    assert_eq!(items[0].detail.as_deref(), Some("boolean"));
}

#[test]
fn completion_in_a_simpleschema_value_offers_types_then_markers() {
    let (text, at) = typed("      name: string\n", "      size: int");
    let items = complete(&text, at, &engine());
    assert_eq!(labels(&items), ["integer"]);
    let (text, at) = typed("      name: string\n", "      size: integer | ");
    let names = labels(&complete(&text, at, &engine())).into_iter().map(str::to_string).collect::<Vec<_>>();
    assert!(names.contains(&"default".to_string()) && names.contains(&"minimum".to_string()), "{names:?}");
}

#[test]
fn completion_at_a_template_key_offers_the_kinds_fields_not_yet_written() {
    let (text, at) = typed("          replicas: 3\n", "          rev");
    let items = complete(&text, at, &engine());
    assert_eq!(labels(&items), ["revisionHistoryLimit"]);
    assert_eq!(items[0].insert_text.as_deref(), Some("revisionHistoryLimit: "));
    let (text, at) = typed("          replicas: 3\n", "          ");
    let names = labels(&complete(&text, at, &engine())).into_iter().map(str::to_string).collect::<Vec<_>>();
    assert!(names.contains(&"strategy".to_string()));
    assert!(!names.contains(&"replicas".to_string()), "replicas is already there");
}

#[test]
fn completion_at_a_resource_key_offers_the_rgd_structure() {
    let (text, at) = typed("    - id: service\n", "      ready");
    let items = complete(&text, at, &engine());
    assert_eq!(labels(&items), ["readyWhen"]);
}

#[test]
fn hover_on_a_referenced_field_shows_its_type_and_description() {
    let (text, at) = at_marker(&WEBAPP.replace("${deployment.spec.selector", "${deployment.spec.sel@@ector"), "@@");
    let shown = hover(&text, at, &engine()).expect("a hover");
    assert!(shown.contents.starts_with("**selector**: `LabelSelector`"), "{}", shown.contents);
    let (text, at) = at_marker(&WEBAPP.replacen("replicas: 3", "repl@@icas: 3", 1), "@@");
    let shown = hover(&text, at, &engine()).expect("a hover");
    assert!(shown.contents.starts_with("**replicas**: `integer`"), "{}", shown.contents);
    assert!(shown.contents.contains("desired pods"), "{}", shown.contents);
}

#[test]
fn hover_on_a_resource_id_shows_its_kind_and_dependencies() {
    let (text, at) = at_marker(&WEBAPP.replace("${service.metadata", "${serv@@ice.metadata"), "@@");
    let shown = hover(&text, at, &engine()).expect("a hover");
    assert_eq!(shown.contents, "**service**: `v1` `Service`\n\nDepends on: deployment");
    let (text, at) = at_marker(&WEBAPP.replace("- id: ingress", "- id: ingr@@ess"), "@@");
    let shown = hover(&text, at, &engine()).expect("a hover");
    assert!(shown.contents.contains("`networking.k8s.io/v1` `Ingress`"), "{}", shown.contents);
    assert!(shown.contents.ends_with("Depends on: service"), "{}", shown.contents);
}

#[test]
fn hover_on_a_schema_field_key_shows_its_simpleschema_type() {
    let (text, at) = at_marker(&WEBAPP.replace("image: string | default", "ima@@ge: string | default"), "@@");
    let shown = hover(&text, at, &engine()).expect("a hover");
    assert_eq!(shown.contents, "**image**: `string`");
}

#[test]
fn definition_of_a_reference_is_the_resource_id() {
    let (text, at) = at_marker(&WEBAPP.replace("${deployment.spec.selector", "${deploy@@ment.spec.selector"), "@@");
    let def = definition(&text, at).expect("a definition");
    let index = LineIndex::new(&text);
    let id_line = text.lines().position(|l| l.contains("- id: deployment")).unwrap() as u32;
    assert_eq!(def.range.start.line, id_line);
    assert_eq!(def.range.end.character - def.range.start.character, "deployment".len() as u32);
    assert!(def.target_range.end.line > id_line + 10);
    let _ = index;
    let (text, at) = at_marker(&WEBAPP.replacen("${schema.spec.image}", "${schema.spec.im@@age}", 1), "@@");
    let def = definition(&text, at).expect("a definition");
    let field_line = text.lines().position(|l| l.contains("image: string")).unwrap() as u32;
    assert_eq!(def.range.start.line, field_line);
}

#[test]
fn symbols_list_the_schema_fields_and_the_resources() {
    let symbols = symbols(WEBAPP);
    let names: Vec<&str> = symbols.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Application", "deployment", "service", "ingress"]);
    let spec = &symbols[0].children[0];
    let fields: Vec<&str> = spec.children.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(fields, ["name", "image", "ingress"]);
    assert_eq!(spec.children[2].children[0].name, "enabled");
    assert_eq!(symbols[1].detail.as_deref(), Some("Deployment (apps/v1)"));
}

#[test]
fn positions_after_non_ascii_text_count_utf16_units() {
    let text = WEBAPP.replace("# Define the resources", "# Définir 😀 les ressources").replace(
        "          replicas: 3\n",
        "          replicas: 3 # 漢字 😀\n          x: \"😀 ${deployment.spec.@@\"\n",
    );
    let (text, at) = at_marker(&text, "@@");
    let items = complete(&text, at, &engine());
    assert!(labels(&items).contains(&"replicas"));
    assert_eq!(items[0].range.start, at);
}

#[test]
fn every_prefix_of_every_example_gets_answers_without_panicking() {
    let engine = engine();
    for example in EXAMPLES {
        let ends: Vec<usize> = example.char_indices().map(|(i, _)| i).chain([example.len()]).collect();
        let step = if example.len() > 3000 { 13 } else { 5 };
        for &end in ends.iter().step_by(step) {
            let prefix = &example[..end];
            let index = LineIndex::new(prefix);
            let at = index.lsp_position_of_byte(prefix.len());
            let _ = complete(prefix, at, &engine);
            let _ = hover(prefix, at, &engine);
            let _ = definition(prefix, at);
            let _ = symbols(prefix);
        }
    }
}

#[test]
fn odd_positions_and_texts_are_answered_without_panicking() {
    let engine = engine();
    let texts = [
        "",
        "\n",
        "${",
        "a: ${",
        "- - ${x.",
        "a: \"${b.c[0].",
        "spec:\n  resources:\n  - id: x\n    template: ${x.",
        "\u{feff}k: 😀${😀.",
    ];
    for text in texts {
        for line in 0..3 {
            for character in [0, 1, 2, 5, 100] {
                let at = LspPosition { line, character };
                let _ = complete(text, at, &engine);
                let _ = hover(text, at, &engine);
                let _ = definition(text, at);
            }
        }
        let _ = symbols(text);
    }
}

#[test]
fn optional_value_functions_are_offered_on_an_optional_chain_and_only_there() {
    let optional = WEBAPP.replacen("image: ${schema.spec.image}", "image: ${schema.spec.?image.@@}", 1);
    let (text, at) = at_marker(&optional, "@@");
    let items = complete(&text, at, &engine());
    let offered = labels(&items);
    assert!(offered.contains(&"orValue") && offered.contains(&"hasValue"), "{offered:?}");
    assert!(!offered.contains(&"startsWith"), "a string function needs .value() first: {offered:?}");

    let plain = WEBAPP.replacen("image: ${schema.spec.image}", "image: ${schema.spec.image.@@}", 1);
    let (text, at) = at_marker(&plain, "@@");
    let items = complete(&text, at, &engine());
    let offered = labels(&items);
    assert!(offered.contains(&"startsWith") && !offered.contains(&"orValue"), "{offered:?}");
}
