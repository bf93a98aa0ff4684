#!/usr/bin/env node
// `kro-lsp`: the kro-rs language server in Node, the same server as the native `kro lsp` (the `kro-lsp`
// crate, compiled into this package's WebAssembly), so an editor extension needs no native binary. This file
// is the transport only: vscode-jsonrpc reads and writes the framed messages on stdio, every message that
// arrived is handed to the server before it steps (changes that came in while a check ran are checked
// together, with no added delay), and the files the server asks for are read here.
//
// A panic in the WebAssembly (a bug: the engine promises none) loses the instance's memory. The server is
// then built again and given what it had: the initialize request, the settings, and each open document's
// last text and the changes since, so the editor keeps working; requests of the failed step get an error.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import './node.js';
import * as glue from './kro_engine.js';

const MAX_FILE = 4 * 1024 * 1024;
const MAX_DEPTH = 16;
const MAX_FILES = 20000;
/** After this many changes to one document, its replay log is replaced by its current text. */
const MAX_LOG = 200;

const reader = new StreamMessageReader(process.stdin);
const writer = new StreamMessageWriter(process.stdout);

let server = fresh();
/** What a rebuilt server is given: initialize, initialized, the last configuration, each document's log. */
const replay = { initialize: null, initialized: null, configuration: null, documents: new Map() };
/** Messages received since the last step. */
let queued = [];
let scheduled = false;

function fresh() {
  glue.__ready();
  return new glue.LanguageServer();
}

reader.listen((message) => {
  queued.push(message);
  remember(message);
  // setImmediate runs after the messages already read from stdin are handed over: one step takes them all.
  if (!scheduled) {
    scheduled = true;
    setImmediate(run);
  }
});
reader.onClose(() => process.exit(1));

function remember(message) {
  const { method, params } = message;
  if (method === 'initialize') replay.initialize = message;
  else if (method === 'initialized') replay.initialized = message;
  else if (method === 'workspace/didChangeConfiguration') replay.configuration = message;
  else if (method === 'textDocument/didOpen') replay.documents.set(params.textDocument.uri, [message]);
  else if (method === 'textDocument/didClose') replay.documents.delete(params.textDocument.uri);
  else if (method === 'textDocument/didChange') {
    const log = replay.documents.get(params.textDocument.uri);
    if (log) log.push(message);
  }
}

/** Only for the protocol suite: a request of this method panics inside the WebAssembly, to test recovery. */
const PANIC_FOR_TESTS = process.env.KRO_LSP_PANIC_FOR_TESTS === '1' ? 'kro/panicForTests' : null;

function run() {
  scheduled = false;
  const batch = queued;
  queued = [];
  try {
    if (PANIC_FOR_TESTS && batch.some((m) => m.method === PANIC_FOR_TESTS)) glue.__panicForTests();
    for (const message of batch) server.receive(JSON.stringify(message));
    handle(JSON.parse(server.step()));
    compact();
  } catch (error) {
    recover(batch, error);
  }
}

function handle(outputs) {
  while (outputs.length > 0) {
    let read = false;
    for (const output of outputs) {
      if (output.type === 'message') writer.write(output.message);
      else if (output.type === 'exit') process.exit(output.code);
      else if (output.type === 'read') {
        server.files(JSON.stringify(readFiles(output)));
        read = true;
      }
    }
    outputs = read ? JSON.parse(server.step()) : [];
  }
}

/** Replaces long change logs by the document's current text, so a rebuild replays little. */
function compact() {
  for (const [uri, log] of replay.documents) {
    if (log.length < MAX_LOG) continue;
    const doc = JSON.parse(server.document(uri));
    if (!doc) continue;
    const textDocument = { uri, languageId: log[0].params.textDocument.languageId, version: doc.version, text: doc.text };
    replay.documents.set(uri, [{ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument } }]);
  }
}

function recover(batch, error) {
  process.stderr.write(`kro-lsp: ${error?.message ?? error}; starting the server again\n`);
  for (const message of batch) {
    if (message.id !== undefined && message.method !== undefined) {
      writer.write({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: `kro-lsp failed: ${error?.message ?? error}` } });
    }
  }
  try {
    server = fresh();
    const messages = [replay.initialize, replay.initialized, replay.configuration, ...[...replay.documents.values()].flat()];
    for (const message of messages.filter(Boolean)) server.receive(JSON.stringify(message));
    // The client has its initialize answer and its registrations: only diagnostics and reads go out.
    const outputs = JSON.parse(server.step()).filter((o) => o.type !== 'message' || o.message.method === 'textDocument/publishDiagnostics');
    handle(outputs);
  } catch (again) {
    process.stderr.write(`kro-lsp: cannot start again: ${again?.message ?? again}\n`);
    process.exit(1);
  }
}

/** The YAML files under each folder, and each single file (text null when it cannot be read). */
function readFiles({ folders, files }) {
  const found = [];
  for (const folder of folders) {
    const path = toPath(folder);
    if (path) walk(path, 0, found);
  }
  for (const uri of files) {
    const path = toPath(uri);
    found.push({ uri, text: path ? readText(path) : null });
  }
  return { folders, files: found };
}

function walk(dir, depth, found) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch {
    return;
  }
  for (const entry of entries) {
    if (found.length >= MAX_FILES) return;
    const path = join(dir, entry.name);
    // Symbolic links to folders are not followed: a link back up would never end.
    if (entry.isDirectory()) {
      if (depth < MAX_DEPTH && !entry.name.startsWith('.') && entry.name !== 'node_modules' && entry.name !== 'target') {
        walk(path, depth + 1, found);
      }
    } else if (/\.ya?ml$/i.test(entry.name)) {
      const text = readText(path);
      if (text !== null) found.push({ uri: pathToFileURL(path).href, text });
    }
  }
}

function readText(path) {
  try {
    if (statSync(path).size > MAX_FILE) return null;
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function toPath(uri) {
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}
