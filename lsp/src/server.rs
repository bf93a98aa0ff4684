//! The server's state and its loop: messages queued by [`Server::receive`], handled in order by
//! [`Server::step`], diagnostics published at the end of each step for what changed.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use kro_engine::{DocumentKind, Engine, EngineError, EngineOptions, Workspace};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    DidChangeConfigurationParams, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams, DidOpenTextDocumentParams, FileSystemWatcher,
    GlobPattern, PublishDiagnosticsParams, Registration, RegistrationParams, Uri, notification, request,
};
use serde_json::{Value, json};

use crate::capabilities::{self, Client};
use crate::convert::{self, Positions};
use crate::documents::Open;
use crate::files::{self, FilesRead, ReadRequest};
use crate::settings::Settings;

/// What a step asks of its transport.
#[derive(Debug, Clone)]
pub enum Output {
    /// Send this message to the client.
    Message(Message),
    /// Read these folders' YAML files or these files, and hand them back with [`Server::files`].
    Read(ReadRequest),
    /// The client asked the server to exit: stop with this exit code (0 after a `shutdown` request, 1
    /// without one, as LSP says).
    Exit(i32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for `initialize`.
    Uninitialized,
    Running,
    /// `shutdown` was answered: only `exit` is left.
    ShutDown,
}

/// The language server. See the [crate docs](crate).
#[derive(Debug)]
pub struct Server {
    phase: Phase,
    client: Client,
    settings: Settings,
    /// Workspace folders, as normalized `file://` URIs.
    folders: Vec<String>,
    pub(crate) workspace: Workspace,
    /// Open documents by normalized URI (the URI the client used is kept to answer with).
    pub(crate) open: BTreeMap<String, (Uri, Open)>,
    /// RGD and CRD files read from the workspace, by normalized URI: what the workspace holds for a file
    /// while it is not open.
    disk: BTreeMap<String, (DocumentKind, String)>,
    queue: VecDeque<Message>,
    out: Vec<Output>,
    /// Open documents changed in this step: their diagnostics are published even if unchanged (the client
    /// learns they are for the new version).
    changed: BTreeSet<String>,
    /// What was last published for each open document.
    published: BTreeMap<String, Vec<lsp_types::Diagnostic>>,
    next_request: i32,
}

impl Server {
    /// A server waiting for `initialize`. Fails only if kro's CEL environment cannot be built (a bug the
    /// engine's tests rule out).
    pub fn new() -> Result<Server, EngineError> {
        Ok(Server {
            phase: Phase::Uninitialized,
            client: Client::default(),
            settings: Settings::default(),
            folders: Vec::new(),
            workspace: Workspace::new(engine(&Settings::default())?),
            open: BTreeMap::new(),
            disk: BTreeMap::new(),
            queue: VecDeque::new(),
            out: Vec::new(),
            changed: BTreeSet::new(),
            published: BTreeMap::new(),
            next_request: 0,
        })
    }

    /// Queues a message from the client. A `$/cancelRequest` for a request still queued answers that request
    /// with `RequestCancelled` at once; the rest waits for [`Server::step`].
    pub fn receive(&mut self, message: Message) {
        if let Message::Notification(n) = &message
            && n.method == notification::Cancel::METHOD
        {
            let id = serde_json::from_value::<lsp_types::CancelParams>(n.params.clone()).ok().map(|p| match p.id {
                lsp_types::NumberOrString::Number(n) => RequestId::from(n),
                lsp_types::NumberOrString::String(s) => RequestId::from(s),
            });
            let before = self.queue.len();
            self.queue.retain(|m| !matches!(m, Message::Request(r) if Some(&r.id) == id.as_ref()));
            if let Some(id) = id.filter(|_| self.queue.len() < before) {
                self.respond(Response::new_err(id, ErrorCode::RequestCanceled as i32, "cancelled".to_string()));
            }
            return;
        }
        self.queue.push_back(message);
    }

    /// Handles every queued message in order, then checks the documents that changed and publishes their
    /// diagnostics. Returns what to send and what to read.
    pub fn step(&mut self) -> Vec<Output> {
        while let Some(message) = self.queue.pop_front() {
            match message {
                Message::Request(r) => self.request(r),
                Message::Notification(n) => self.notification(n),
                // Answers to the server's own requests (the watcher's registration) need nothing.
                Message::Response(_) => {}
            }
        }
        if self.phase == Phase::Running {
            self.publish();
        }
        std::mem::take(&mut self.out)
    }

    /// Takes what the transport read for an [`Output::Read`]; what changed is checked at the next
    /// [`Server::step`] (which the transport calls right after).
    pub fn files(&mut self, read: FilesRead) {
        let folders: Vec<String> = read.folders.iter().map(|f| files::normalize(f)).collect();
        let gone: Vec<String> =
            self.disk.keys().filter(|uri| folders.iter().any(|f| files::is_under(uri, f))).cloned().collect();
        for uri in gone {
            self.forget_disk(&uri);
        }
        for file in read.files {
            let uri = files::normalize(&file.uri);
            match file.text.as_deref().and_then(|t| files::kind_of(t).map(|k| (k, t))) {
                Some((kind, text)) => {
                    if !self.open.contains_key(&uri) {
                        self.workspace.set(&uri, kind, text);
                    }
                    self.disk.insert(uri, (kind, text.to_string()));
                }
                None => self.forget_disk(&uri),
            }
        }
    }

    /// The version and text of the open document `uri` as the server has it: what a transport that must
    /// rebuild the server (the npm bin after a WebAssembly panic) opens it again with.
    pub fn document(&self, uri: &str) -> Option<(i32, &str)> {
        self.open.get(&files::normalize(uri)).map(|(_, doc)| (doc.version, doc.text.as_str()))
    }

    fn forget_disk(&mut self, uri: &str) {
        if self.disk.remove(uri).is_some() && !self.open.contains_key(uri) {
            self.workspace.remove(uri);
        }
    }

    fn send(&mut self, message: impl Into<Message>) {
        self.out.push(Output::Message(message.into()));
    }

    pub(crate) fn respond(&mut self, response: Response) {
        self.send(response);
    }

    fn request(&mut self, r: Request) {
        match (self.phase, r.method.as_str()) {
            (Phase::Uninitialized, request::Initialize::METHOD) => self.initialize(r),
            (Phase::Uninitialized, _) => self.respond(Response::new_err(
                r.id,
                ErrorCode::ServerNotInitialized as i32,
                "the server is not initialized".to_string(),
            )),
            (Phase::ShutDown, _) => self.respond(Response::new_err(
                r.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shut down".to_string(),
            )),
            (Phase::Running, request::Shutdown::METHOD) => {
                self.phase = Phase::ShutDown;
                self.respond(Response::new_ok(r.id, Value::Null));
            }
            (Phase::Running, request::Initialize::METHOD) => self.respond(Response::new_err(
                r.id,
                ErrorCode::InvalidRequest as i32,
                "initialize was already received".to_string(),
            )),
            (Phase::Running, _) => {
                let response = self.answer(r);
                self.respond(response);
            }
        }
    }

    fn initialize(&mut self, r: Request) {
        // Read as JSON rather than as lsp-types' `InitializeParams`: the server needs four of its fields, and
        // deserializing the whole of `ClientCapabilities` would add its code to the npm package's WebAssembly.
        let params = r.params;
        if !params.is_object() {
            let message = "initialize needs an object of params".to_string();
            return self.respond(Response::new_err(r.id, ErrorCode::InvalidParams as i32, message));
        }
        self.client = Client::of(&params["capabilities"]);
        self.folders = match (params["workspaceFolders"].as_array(), params["rootUri"].as_str()) {
            (Some(folders), _) => folders.iter().filter_map(|f| f["uri"].as_str()).map(files::normalize).collect(),
            (None, Some(root)) => vec![files::normalize(root)],
            (None, None) => Vec::new(),
        };
        self.configure(Settings::from_value(params.get("initializationOptions")));
        self.phase = Phase::Running;
        let result = json!({
            "capabilities": capabilities::server(self.client.encoding),
            "serverInfo": {"name": "kro-rs", "version": env!("CARGO_PKG_VERSION")},
        });
        self.respond(Response::new_ok(r.id, result));
    }

    /// Takes new settings: feature gates rebuild the workspace (every document is checked again), CRD
    /// folders are read again.
    fn configure(&mut self, settings: Settings) {
        if settings.features() != self.settings.features()
            && let Ok(engine) = engine(&settings)
        {
            let mut workspace = Workspace::new(engine);
            for name in self.workspace.names().map(str::to_string).collect::<Vec<_>>() {
                if let (Some(kind), Some(text)) = (self.workspace.kind(&name), self.workspace.text(&name)) {
                    workspace.set(&name, kind, text);
                }
            }
            self.workspace = workspace;
        }
        let folders_changed = settings.crd_folders != self.settings.crd_folders;
        self.settings = settings;
        if folders_changed && self.phase == Phase::Running {
            self.out.push(Output::Read(ReadRequest { folders: self.folders_to_read(), files: Vec::new() }));
        }
    }

    /// The workspace folders and the CRD folders of the settings (relative ones under the first workspace
    /// folder), as URIs.
    fn folders_to_read(&self) -> Vec<String> {
        let base = self.folders.first().map(String::as_str);
        let mut folders = self.folders.clone();
        for folder in &self.settings.crd_folders {
            if let Some(uri) = files::resolve(base, folder).map(|u| files::normalize(&u))
                && !folders.iter().any(|f| f == &uri || files::is_under(&uri, f))
            {
                folders.push(uri);
            }
        }
        folders
    }

    fn notification(&mut self, n: Notification) {
        if n.method == notification::Exit::METHOD {
            self.out.push(Output::Exit(i32::from(self.phase != Phase::ShutDown)));
            return;
        }
        if self.phase != Phase::Running {
            return;
        }
        // A notification that cannot be read is dropped: there is no one to answer, and the documents stay as
        // they were.
        match n.method.as_str() {
            notification::Initialized::METHOD => self.initialized(),
            notification::DidOpenTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) {
                    let uri = files::normalize(p.text_document.uri.as_str());
                    let doc = Open { text: p.text_document.text, version: p.text_document.version };
                    self.open.insert(uri.clone(), (p.text_document.uri, doc));
                    self.sync(&uri);
                }
            }
            notification::DidChangeTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) {
                    let uri = files::normalize(p.text_document.uri.as_str());
                    if let Some((_, doc)) = self.open.get_mut(&uri) {
                        doc.apply(p.content_changes, self.client.encoding);
                        doc.version = p.text_document.version;
                        self.sync(&uri);
                    }
                }
            }
            notification::DidCloseTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) {
                    self.close(&files::normalize(p.text_document.uri.as_str()), p.text_document.uri);
                }
            }
            notification::DidChangeConfiguration::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidChangeConfigurationParams>(n.params) {
                    self.configure(Settings::from_value(Some(&p.settings)));
                }
            }
            notification::DidChangeWatchedFiles::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidChangeWatchedFilesParams>(n.params) {
                    let files: Vec<String> = p
                        .changes
                        .into_iter()
                        .map(|c| c.uri.as_str().to_string())
                        .filter(|uri| files::is_yaml_path(uri))
                        .collect();
                    if !files.is_empty() {
                        self.out.push(Output::Read(ReadRequest { folders: Vec::new(), files }));
                    }
                }
            }
            _ => {}
        }
    }

    /// After `initialized`: watch the workspace's YAML files (when the client lets the server register a
    /// watcher) and read the folders.
    fn initialized(&mut self) {
        if self.client.watch_files {
            self.next_request += 1;
            let options = DidChangeWatchedFilesRegistrationOptions {
                watchers: vec![FileSystemWatcher {
                    glob_pattern: GlobPattern::String("**/*.{yaml,yml}".to_string()),
                    kind: None,
                }],
            };
            let params = RegistrationParams {
                registrations: vec![Registration {
                    id: "kro-yaml-files".to_string(),
                    method: notification::DidChangeWatchedFiles::METHOD.to_string(),
                    register_options: serde_json::to_value(options).ok(),
                }],
            };
            self.send(Request::new(
                RequestId::from(format!("kro-{}", self.next_request)),
                request::RegisterCapability::METHOD.to_string(),
                params,
            ));
        }
        let folders = self.folders_to_read();
        if !folders.is_empty() {
            self.out.push(Output::Read(ReadRequest { folders, files: Vec::new() }));
        }
    }

    /// Puts an open document's text into the workspace, as what it holds now (an RGD file, a CRD file, or
    /// neither, when it leaves the workspace).
    fn sync(&mut self, uri: &str) {
        let Some((_, doc)) = self.open.get(uri) else { return };
        match files::kind_of(&doc.text) {
            Some(kind) => {
                self.workspace.set(uri, kind, &doc.text);
            }
            None => {
                self.workspace.remove(uri);
            }
        }
        self.changed.insert(uri.to_string());
    }

    fn close(&mut self, uri: &str, client_uri: Uri) {
        if self.open.remove(uri).is_none() {
            return;
        }
        match self.disk.get(uri) {
            Some((kind, text)) => {
                self.workspace.set(uri, *kind, text);
            }
            None => {
                self.workspace.remove(uri);
            }
        }
        self.changed.remove(uri);
        // The client drops what was published for a closed file only when told so.
        if self.published.remove(uri).is_some_and(|d| !d.is_empty()) {
            self.publish_to(client_uri, Vec::new(), None);
        }
    }

    /// Publishes the diagnostics of every open document whose diagnostics changed, and of every document
    /// changed in this step. Only RGD documents are checked (other YAML files get none).
    fn publish(&mut self) {
        let changed = std::mem::take(&mut self.changed);
        let uris: Vec<String> = self.open.keys().cloned().collect();
        for uri in uris {
            let diagnostics = self.diagnostics(&uri);
            let before = self.published.get(&uri);
            // A file that is not an RGD file is left alone, unless it was one and its findings must go.
            let left_alone = self.workspace.kind(&uri) != Some(DocumentKind::Rgds) && before.is_none_or(Vec::is_empty);
            if left_alone || (before == Some(&diagnostics) && !changed.contains(&uri)) {
                continue;
            }
            let Some((client_uri, doc)) = self.open.get(&uri) else { continue };
            let (client_uri, version) = (client_uri.clone(), doc.version);
            self.published.insert(uri, diagnostics.clone());
            self.publish_to(client_uri, diagnostics, Some(version));
        }
    }

    fn publish_to(&mut self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams { uri, diagnostics, version };
        self.send(Notification::new(notification::PublishDiagnostics::METHOD.to_string(), params));
    }

    /// The LSP diagnostics of the open document `uri`: its RGDs' findings, without the `not-an-rgd` finding of
    /// a YAML document that is some other kind of object (a file may hold RGDs beside other manifests).
    pub(crate) fn diagnostics(&mut self, uri: &str) -> Vec<lsp_types::Diagnostic> {
        if self.workspace.kind(uri) != Some(DocumentKind::Rgds) {
            return Vec::new();
        }
        let found = self.workspace.diagnostics(uri);
        let Some((_, doc)) = self.open.get(uri) else { return Vec::new() };
        let positions = Positions::new(&doc.text, self.client.encoding);
        found
            .iter()
            .filter(|d| d.code != kro_engine::Code::NotAnRgd || is_rgd_kind(&positions.text_of(&doc.text, d.span)))
            .map(|d| convert::diagnostic(d, &positions))
            .collect()
    }

    pub(crate) fn encoding(&self) -> kro_engine::PositionEncoding {
        self.client.encoding
    }

    pub(crate) fn definition_links(&self) -> bool {
        self.client.definition_links
    }
}

/// Whether the `kind` a `not-an-rgd` finding points at says ResourceGraphDefinition (then the finding is
/// about an RGD with a wrong apiVersion, and is shown).
fn is_rgd_kind(written: &str) -> bool {
    written.trim_matches(|c| c == '"' || c == '\'') == "ResourceGraphDefinition"
}

/// The engine for a set of settings: the CLI's defaults (unknown kinds are warnings, as offline).
fn engine(settings: &Settings) -> Result<Engine, EngineError> {
    Engine::new(EngineOptions { features: settings.features(), ..EngineOptions::default() })
}
