//! The server driven by JSON-RPC messages as a client sends them, reading what it answers.

// Messages are built with `json!` at each call and handed over whole, as a client sends them.
#![allow(clippy::needless_pass_by_value)]

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::{FileText, FilesRead, Message, Output, Server};

const WEBAPP: &str = include_str!("../../examples/webapp/rgd.yaml");
const URI: &str = "file:///w/app/rgd.yaml";

/// A test client: sends messages, steps the server, keeps what came out.
struct Client {
    server: Server,
    next_id: i64,
}

impl Client {
    fn new() -> Client {
        Client { server: Server::new().unwrap(), next_id: 0 }
    }

    /// An initialized server for a client that sends `capabilities` and `extra` initialize params.
    fn initialized(capabilities: Value, extra: Value) -> (Client, Vec<Output>) {
        let mut client = Client::new();
        let mut params = json!({"capabilities": capabilities});
        params.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let response = client.request("initialize", params);
        assert!(response.get("capabilities").is_some(), "{response}");
        let outputs = client.notify("initialized", json!({}));
        (client, outputs)
    }

    fn send(&mut self, message: Value) {
        self.server.receive(serde_json::from_value::<Message>(message).unwrap());
    }

    fn notify(&mut self, method: &str, params: Value) -> Vec<Output> {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
        self.server.step()
    }

    /// Sends a request and returns its result (or the error object, under "error").
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let outputs = self.server.step();
        response(&outputs, id).unwrap_or_else(|| panic!("no response to {method}"))
    }

    fn open(&mut self, uri: &str, text: &str) -> Vec<Output> {
        let item = json!({"uri": uri, "languageId": "yaml", "version": 1, "text": text});
        self.notify("textDocument/didOpen", json!({"textDocument": item}))
    }

    fn at(&mut self, method: &str, uri: &str, line: u32, character: u32) -> Value {
        let params = json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
        self.request(method, params)
    }
}

fn messages(outputs: &[Output]) -> Vec<Value> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Message(m) => Some(serde_json::to_value(m).unwrap()),
            _ => None,
        })
        .collect()
}

fn response(outputs: &[Output], id: i64) -> Option<Value> {
    messages(outputs)
        .into_iter()
        .find(|m| m["id"] == json!(id) && m.get("method").is_none())
        .map(|m| if m.get("error").is_some() { json!({"error": m["error"]}) } else { m["result"].clone() })
}

/// The `publishDiagnostics` params among the outputs.
fn published(outputs: &[Output]) -> Vec<Value> {
    messages(outputs)
        .into_iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .map(|m| m["params"].clone())
        .collect()
}

fn codes(params: &Value) -> Vec<String> {
    params["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect()
}

/// Line and character of the first `needle` in `text` (ASCII text).
fn position_of(text: &str, needle: &str) -> (u32, u32) {
    let byte = text.find(needle).unwrap();
    let line = text[..byte].matches('\n').count() as u32;
    let column = byte - text[..byte].rfind('\n').map_or(0, |i| i + 1);
    (line, column as u32)
}

fn broken() -> String {
    WEBAPP.replace("selector: ${deployment.spec", "selector: ${deploymnt.spec")
}

#[test]
fn an_opened_rgd_with_an_error_gets_its_diagnostics_with_a_link_to_the_code() {
    let (mut client, _) = Client::initialized(json!({}), json!({}));
    let params = published(&client.open(URI, &broken()));
    assert_eq!(params.len(), 1);
    assert_eq!(params[0]["uri"], URI);
    assert_eq!(params[0]["version"], 1);
    assert_eq!(codes(&params[0]), ["unknown-identifier"]);
    let d = &params[0]["diagnostics"][0];
    let (line, column) = position_of(&broken(), "${deploymnt");
    assert_eq!(d["range"]["start"], json!({"line": line, "character": column}));
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "kro");
    assert_eq!(
        d["codeDescription"]["href"],
        "https://github.com/kro-rs/kro-rs/blob/main/docs/diagnostics.md#unknown-identifier"
    );
    assert!(d["message"].as_str().unwrap().contains("help: did you mean \"deployment\""), "{d}");
}

#[test]
fn a_change_republishes_for_the_new_version_and_changes_in_one_batch_are_checked_once() {
    let (mut client, _) = Client::initialized(json!({}), json!({}));
    client.open(URI, &broken());
    let (line, column) = position_of(&broken(), "deploymnt");
    let compiles = client.server.workspace.compiles();
    // Two keystrokes arrive while the server is busy: `deploymnt` -> `deploymen` -> `deployment`.
    let range = json!({"start": {"line": line, "character": column}, "end": {"line": line, "character": column + 9}});
    for (version, text) in [(2, "deploymen"), (3, "deployment")] {
        let change = json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{"range": range, "text": text}]});
        client.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": change}));
    }
    let params = published(&client.server.step());
    assert_eq!(params.len(), 1, "one publish for the batch");
    assert_eq!(params[0]["version"], 3);
    assert_eq!(codes(&params[0]), Vec::<String>::new());
    assert_eq!(client.server.workspace.compiles() - compiles, 1, "one compile for the batch");
}

#[test]
fn a_cancelled_request_still_waiting_is_answered_with_request_cancelled() {
    let (mut client, _) = Client::initialized(json!({}), json!({}));
    client.open(URI, WEBAPP);
    client.send(json!({"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": {"textDocument": {"uri": URI}, "position": {"line": 27, "character": 20}}}));
    client.send(json!({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 7}}));
    let outputs = client.server.step();
    assert_eq!(response(&outputs, 7), Some(json!({"error": {"code": -32800, "message": "cancelled"}})));
    assert_eq!(messages(&outputs).len(), 1);
}

#[test]
fn completion_after_a_resource_id_offers_its_fields_in_the_engines_order() {
    let (mut client, _) = Client::initialized(json!({}), json!({}));
    let text =
        WEBAPP.replace("app: ${schema.spec.name}\n          template:", "app: ${deployment.}\n          template:");
    client.open(URI, &text);
    let (line, column) = position_of(&text, "${deployment.}");
    let items = client.at("textDocument/completion", URI, line, column + 13);
    let labels: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(&labels[..5], ["apiVersion", "kind", "metadata", "spec", "status"]);
    assert_eq!(items[0]["sortText"], "00000");
    assert_eq!(items[0]["textEdit"]["range"]["start"], json!({"line": line, "character": column + 13}));
}

#[test]
fn hover_definition_and_symbols_answer_about_the_open_text() {
    let (mut client, _) =
        Client::initialized(json!({"textDocument": {"definition": {"linkSupport": true}}}), json!({}));
    client.open(URI, WEBAPP);
    let (line, column) = position_of(WEBAPP, "deployment.spec.selector");
    let hover = client.at("textDocument/hover", URI, line, column + 2);
    assert_eq!(hover["contents"]["kind"], "markdown");
    assert!(hover["contents"]["value"].as_str().unwrap().contains("Deployment"), "{hover}");

    let definition = client.at("textDocument/definition", URI, line, column + 2);
    let (id_line, _) = position_of(WEBAPP, "- id: deployment");
    assert_eq!(definition[0]["targetUri"], URI);
    assert_eq!(definition[0]["targetSelectionRange"]["start"]["line"], id_line);

    let symbols = client.request("textDocument/documentSymbol", json!({"textDocument": {"uri": URI}}));
    let names: Vec<&str> = symbols.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"deployment") && names.contains(&"ingress"), "{names:?}");
}

#[test]
fn a_did_you_mean_diagnostic_has_a_quick_fix_that_makes_the_change() {
    let (mut client, _) = Client::initialized(json!({}), json!({}));
    let text = broken();
    let params = published(&client.open(URI, &text));
    let diagnostic = params[0]["diagnostics"][0].clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}}),
    );
    assert_eq!(actions.as_array().unwrap().len(), 1, "{actions}");
    assert_eq!(actions[0]["title"], "Change `deploymnt` to `deployment`");
    assert_eq!(actions[0]["kind"], "quickfix");
    let (line, column) = position_of(&text, "deploymnt");
    let edit = &actions[0]["edit"]["changes"][URI][0];
    assert_eq!(edit["newText"], "deployment");
    assert_eq!(
        edit["range"],
        json!({"start": {"line": line, "character": column}, "end": {"line": line, "character": column + 9}})
    );
}

#[test]
fn semantic_tokens_colour_expressions_in_the_legends_terms() {
    let (mut client, _) = Client::initialized(json!({}), json!({}));
    let text = "kind: ResourceGraphDefinition\nx: ${schema.spec}\n";
    client.open(URI, text);
    let tokens = client.request("textDocument/semanticTokens/full", json!({"textDocument": {"uri": URI}}));
    // `${` (macro) at 1:3, `schema` (variable) +2, `.` (operator) +6, `spec` (property) +1, `}` (macro) +4.
    assert_eq!(tokens["data"], json!([1, 3, 2, 0, 0, 0, 2, 6, 1, 0, 0, 6, 1, 8, 0, 0, 1, 4, 2, 0, 0, 4, 1, 0, 0]));
}

#[test]
fn a_client_preferring_utf8_gets_byte_columns() {
    let mut client = Client::new();
    let result =
        client.request("initialize", json!({"capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}}));
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    client.notify("initialized", json!({}));
    let text = broken().replace("selector: ${deploymnt", "selector: ${\"é😀\" + deploymnt");
    let params = published(&client.open(URI, &text));
    let diagnostic = params[0]["diagnostics"][0].clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}}),
    );
    // `position_of` counts bytes: the UTF-8 column of `deploymnt`, after `é` (2 bytes) and `😀` (4 bytes).
    let (line, column) = position_of(&text, "deploymnt");
    let range = &actions[0]["edit"]["changes"][URI][0]["range"];
    assert_eq!(range["start"], json!({"line": line, "character": column}));
    assert_eq!(range["end"], json!({"line": line, "character": column + 9}));
    let default = Client::new().request("initialize", json!({"capabilities": {}}));
    assert_eq!(default["capabilities"]["positionEncoding"], "utf-16");
}

#[test]
fn yaml_that_is_not_an_rgd_is_left_alone_and_other_documents_of_an_rgd_file_too() {
    let (mut client, _) = Client::initialized(json!({}), json!({}));
    let outputs = client.open("file:///w/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: x}\n");
    assert_eq!(published(&outputs), Vec::<Value>::new());
    let text = format!("{WEBAPP}---\napiVersion: v1\nkind: ConfigMap\ndata: {{}}\n");
    let params = published(&client.open(URI, &text));
    assert_eq!(codes(&params[0]), Vec::<String>::new());
}

#[test]
fn crd_files_and_rgds_of_the_workspace_teach_their_kinds_and_a_change_rechecks_open_documents() {
    let (mut client, outputs) = Client::initialized(
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
        json!({"workspaceFolders": [{"uri": "file:///w", "name": "w"}], "initializationOptions": {"kro": {"crdFolders": ["/crds"]}}}),
    );
    let asked: Vec<_> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Read(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].folders, ["file:///w", "file:///crds"]);
    assert!(messages(&outputs).iter().any(|m| m["method"] == "client/registerCapability"));

    // An RGD using a kind another file's RGD defines.
    let user = "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: app\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: App\n    spec:\n      name: string\n  resources:\n    - id: db\n      template:\n        apiVersion: kro.run/v1alpha1\n        kind: Database\n        metadata:\n          name: ${schema.spec.name}\n        spec:\n          size: 1\n";
    let params = published(&client.open(URI, user));
    assert_eq!(codes(&params[0]), ["unknown-kind"], "{params:?}");

    let database = "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: db\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: Database\n    spec:\n      size: integer\n  resources: []\n";
    client.server.files(FilesRead {
        folders: vec!["file:///w".to_string()],
        files: vec![
            FileText { uri: "file:///w/db/rgd.yaml".to_string(), text: Some(database.to_string()) },
            FileText { uri: "file:///w/notes.yaml".to_string(), text: Some("a: 1\n".to_string()) },
        ],
    });
    let params = published(&client.server.step());
    assert_eq!(codes(&params[0]), Vec::<String>::new(), "the open RGD is checked again");

    // The other file changes on disk: its kind's field is renamed, so the open RGD's `size` is unknown.
    let outputs = client
        .notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": "file:///w/db/rgd.yaml", "type": 2}]}));
    let asked: Vec<_> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Read(r) => Some(r.files.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(asked, [vec!["file:///w/db/rgd.yaml".to_string()]]);
    client.server.files(FilesRead {
        folders: Vec::new(),
        files: vec![FileText {
            uri: "file:///w/db/rgd.yaml".to_string(),
            text: Some(database.replace("size:", "sizes:")),
        }],
    });
    let params = published(&client.server.step());
    assert_eq!(codes(&params[0]), ["unknown-template-field"]);
}

#[test]
fn the_lifecycle_refuses_requests_before_initialize_and_after_shutdown() {
    let mut client = Client::new();
    let early = client.request("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002);
    client.request("initialize", json!({"capabilities": {}}));
    assert_eq!(client.request("textDocument/hover", json!({"bad": 1}))["error"]["code"], -32602);
    assert_eq!(client.request("kro/unknown", json!({}))["error"]["code"], -32601);
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    assert_eq!(client.request("textDocument/hover", json!({}))["error"]["code"], -32600);
    let outputs = client.notify("exit", Value::Null);
    assert!(matches!(outputs.as_slice(), [Output::Exit(0)]));
    let mut abrupt = Client::new();
    assert!(matches!(abrupt.notify("exit", Value::Null).as_slice(), [Output::Exit(1)]));
}

#[test]
fn closing_a_document_clears_its_diagnostics() {
    let (mut client, _) = Client::initialized(json!({}), json!({}));
    client.open(URI, &broken());
    let params = published(&client.notify("textDocument/didClose", json!({"textDocument": {"uri": URI}})));
    assert_eq!(params, [json!({"uri": URI, "diagnostics": []})]);
}

#[test]
fn any_text_and_any_position_get_answers_without_a_panic() {
    let (mut client, _) = Client::initialized(json!({}), json!({}));
    let texts = [
        String::new(),
        "kind: ResourceGraphDefinition\n${".to_string(),
        "kind: ResourceGraphDefinition\nspec: [\n😀: ${a.b.c(}\n\t\r\n".to_string(),
        broken().chars().take(700).collect(),
    ];
    for text in &texts {
        client.open(URI, text);
        for (line, character) in [(0, 0), (1, 3), (2, 99), (99, 0), (2, 2)] {
            for method in ["textDocument/completion", "textDocument/hover", "textDocument/definition"] {
                let answer = client.at(method, URI, line, character);
                assert!(answer.get("error").is_none(), "{method} {answer}");
            }
        }
        for method in ["textDocument/documentSymbol", "textDocument/semanticTokens/full"] {
            let answer = client.request(method, json!({"textDocument": {"uri": URI}}));
            assert!(answer.get("error").is_none(), "{method} {answer}");
        }
        let range = json!({"start": {"line": 0, "character": 0}, "end": {"line": 999, "character": 0}});
        client.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": URI}, "range": range, "context": {"diagnostics": []}}),
        );
        // A change with a range past the end is clamped.
        let change = json!({"textDocument": {"uri": URI, "version": 9}, "contentChanges": [{"range": {"start": {"line": 50, "character": 9}, "end": {"line": 0, "character": 0}}, "text": "x"}]});
        client.notify("textDocument/didChange", change);
    }
}

#[test]
fn a_keystroke_compiles_only_the_document_typed_in_not_the_other_workspace_files() {
    let (mut client, _) =
        Client::initialized(json!({}), json!({"workspaceFolders": [{"uri": "file:///w", "name": "w"}]}));
    let others = (0..3)
        .map(|i| FileText {
            uri: format!("file:///w/other{i}.yaml"),
            text: Some(
                WEBAPP
                    .replace("name: my-application", &format!("name: other-{i}"))
                    .replace("kind: Application", &format!("kind: Other{i}")),
            ),
        })
        .collect();
    client.server.files(FilesRead { folders: vec!["file:///w".to_string()], files: others });
    client.open(URI, WEBAPP);
    let compiles = client.server.workspace.compiles();
    let (line, column) = position_of(WEBAPP, "replicas: 3");
    let range =
        json!({"start": {"line": line, "character": column + 10}, "end": {"line": line, "character": column + 11}});
    let change = json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"range": range, "text": "4"}]});
    let params = published(&client.notify("textDocument/didChange", change));
    assert_eq!(params[0]["version"], 2);
    assert_eq!(client.server.workspace.compiles() - compiles, 1);
}

#[test]
fn completion_at_the_start_of_an_expression_offers_schema_then_resource_ids_then_functions() {
    let (mut client, _) = Client::initialized(json!({}), json!({}));
    let text = WEBAPP.replace("app: ${schema.spec.name}\n          template:", "app: ${}\n          template:");
    client.open(URI, &text);
    let (line, column) = position_of(&text, "${}");
    let items = client.at("textDocument/completion", URI, line, column + 2);
    let kinds: Vec<(String, u64)> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["label"].as_str().unwrap().to_string(), i["kind"].as_u64().unwrap()))
        .collect();
    let labels: Vec<&str> = kinds.iter().map(|(l, _)| l.as_str()).collect();
    // Not `deployment`: this is its own template, which cannot read itself.
    assert_eq!(&labels[..3], ["schema", "ingress", "service"], "{labels:?}");
    // After the names, only `true`/`false`/`null`, macros and functions (LSP kinds 14 and 3).
    assert!(kinds[3..].iter().all(|(_, k)| *k == 3 || *k == 14), "{kinds:?}");
    assert!(labels.contains(&"has") && labels.contains(&"string"));
}
