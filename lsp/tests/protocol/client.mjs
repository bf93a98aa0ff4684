// A language client for the protocol suite and the latency benchmark: starts a server command, speaks
// JSON-RPC to it over stdio with vscode-jsonrpc (the library VS Code's own client is built on), and collects
// what the server publishes.
import { spawn } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';

/** The transports under test, from the environment scripts/lsp-test.sh sets: [name, command, args]. */
export function transports() {
  const out = [];
  if (process.env.KRO_LSP_NATIVE) out.push(['native', process.env.KRO_LSP_NATIVE, ['lsp']]);
  if (process.env.KRO_LSP_NPM) out.push(['npm', process.env.KRO_LSP_NPM, []]);
  if (out.length === 0) throw new Error('set KRO_LSP_NATIVE (the kro binary) and/or KRO_LSP_NPM (the kro-lsp bin)');
  return out;
}

export class Client {
  constructor(command, args) {
    // The npm bin panics on request when told to (its recovery test); the native server has no such hook.
    const env = { ...process.env, KRO_LSP_PANIC_FOR_TESTS: '1' };
    this.process = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
    this.exited = new Promise((resolve) => this.process.on('exit', (code) => resolve(code)));
    this.connection = createMessageConnection(
      new StreamMessageReader(this.process.stdout),
      new StreamMessageWriter(this.process.stdin),
    );
    /** uri -> every publishDiagnostics params received, in order. */
    this.published = new Map();
    this.waiters = [];
    this.registrations = [];
    this.connection.onNotification('textDocument/publishDiagnostics', (params) => {
      const list = this.published.get(params.uri) ?? [];
      list.push(params);
      this.published.set(params.uri, list);
      this.waiters = this.waiters.filter((w) => !w(params));
    });
    this.connection.onRequest('client/registerCapability', (params) => {
      this.registrations.push(...params.registrations);
      return null;
    });
    this.connection.listen();
  }

  initialize(params = {}) {
    return this.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, ...params }).then(
      async (result) => {
        await this.connection.sendNotification('initialized', {});
        return result;
      },
    );
  }

  /** The next publishDiagnostics for `uri` that `accept` takes (by default any, with `version` if given). */
  diagnostics(uri, accept = () => true, timeout = 20000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri}`)), timeout);
      this.waiters.push((params) => {
        if (params.uri !== uri || !accept(params)) return false;
        clearTimeout(timer);
        resolve(params);
        return true;
      });
    });
  }

  open(uri, text, version = 1) {
    return this.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'yaml', version, text },
    });
  }

  change(uri, version, contentChanges) {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
  }

  request(method, params) {
    return this.connection.sendRequest(method, params);
  }

  async shutdown() {
    await this.connection.sendRequest('shutdown');
    await this.connection.sendNotification('exit');
    const code = await this.exited;
    this.connection.dispose();
    return code;
  }

  kill() {
    this.connection.dispose();
    this.process.kill();
  }
}
