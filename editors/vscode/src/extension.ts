// The kro-rs extension: starts the language server of the npm package @kro-rs/engine (its `server.js`, the
// server compiled to WebAssembly, run in VS Code's own Node) once a YAML file holding a
// ResourceGraphDefinition is open, or a native `kro lsp` when `kro.server.path` names one. Everything else —
// diagnostics, completion, hover, definition, outline, semantic tokens, quick fixes — is the server's.
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';

/** A top-level `kind: ResourceGraphDefinition` line: what makes a YAML file the server's business. */
const RGD = /^kind:\s*["']?ResourceGraphDefinition["']?\s*(#.*)?$/m;

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const startFor = (document: vscode.TextDocument): void => {
    if (!client && document.languageId === 'yaml' && RGD.test(document.getText())) start(context);
  };
  vscode.workspace.textDocuments.forEach(startFor);
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(startFor),
    vscode.workspace.onDidChangeTextDocument((event) => startFor(event.document)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // The server command is chosen at start: a new one takes a restart.
      if (client && event.affectsConfiguration('kro.server.path')) void client.restart();
    }),
  );
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}

function start(context: vscode.ExtensionContext): void {
  const settings = vscode.workspace.getConfiguration('kro');
  const native = settings.get<string>('server.path', '');
  const serverOptions: ServerOptions = native
    ? { command: native, args: ['lsp'], transport: TransportKind.stdio }
    : { module: require.resolve('@kro-rs/engine/server.js'), transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    // Every YAML file is sent; the server checks those holding RGDs and leaves the others alone.
    documentSelector: [{ scheme: 'file', language: 'yaml' }],
    initializationOptions: {
      crdFolders: settings.get<string[]>('crdFolders', []),
      featureGates: settings.get<Record<string, boolean>>('featureGates', {}),
    },
    synchronize: { configurationSection: 'kro' },
  };
  client = new LanguageClient('kro', 'kro-rs', serverOptions, clientOptions);
  context.subscriptions.push(client);
  void client.start();
}
