// The protocol suite: one client speaking JSON-RPC over stdio to both transports of the same server — the
// native `kro lsp` and the npm package's `kro-lsp` bin on the WebAssembly engine — through the life of an
// editing session: initialize, open a broken RGD, change it, completion, hover, definition, symbols,
// semantic tokens, a quick fix, the workspace's CRD files, shutdown.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Client, transports } from './client.mjs';

const repo = process.env.KRO_REPO ?? new URL('../../..', import.meta.url).pathname;
const WEBAPP = readFileSync(join(repo, 'examples/webapp/rgd.yaml'), 'utf8');
const BROKEN = WEBAPP.replace('selector: ${deployment.spec', 'selector: ${deploymnt.spec');

/** The LSP position (UTF-16) of the first `needle` in `text`, plus `offset`. */
function positionOf(text, needle, offset = 0) {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, needle);
  const before = text.slice(0, at + offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

const codes = (params) => params.diagnostics.map((d) => d.code);

for (const [name, command, args] of transports()) {
  describe(`${name} transport`, () => {
    const folder = mkdtempSync(join(tmpdir(), `kro-lsp-${name}-`));
    const uri = pathToFileURL(join(folder, 'app', 'rgd.yaml')).href;
    const client = new Client(command, args);
    after(() => {
      client.kill();
      rmSync(folder, { recursive: true, force: true });
    });

    test('initialize announces UTF-16 positions and every service', async () => {
      const { capabilities, serverInfo } = await client.initialize({
        workspaceFolders: [{ uri: pathToFileURL(folder).href, name: 'w' }],
        capabilities: { textDocument: { definition: { linkSupport: true } } },
      });
      assert.equal(serverInfo.name, 'kro-rs');
      assert.equal(capabilities.positionEncoding, 'utf-16');
      assert.equal(capabilities.textDocumentSync.change, 2, 'incremental sync');
      for (const provider of ['completionProvider', 'hoverProvider', 'definitionProvider', 'documentSymbolProvider']) {
        assert.ok(capabilities[provider], provider);
      }
      assert.deepEqual(capabilities.codeActionProvider.codeActionKinds, ['quickfix']);
      assert.ok(capabilities.semanticTokensProvider.legend.tokenTypes.includes('variable'));
    });

    test('an opened RGD with a misspelt id gets an unknown-identifier diagnostic at the expression', async () => {
      const published = client.diagnostics(uri);
      await client.open(uri, BROKEN);
      const params = await published;
      assert.equal(params.version, 1);
      assert.deepEqual(codes(params), ['unknown-identifier']);
      const [d] = params.diagnostics;
      assert.deepEqual(d.range.start, positionOf(BROKEN, '${deploymnt'));
      assert.equal(d.severity, 1);
      assert.match(d.message, /references unknown identifiers: \[deploymnt\][\s\S]*help: did you mean "deployment"/);
      assert.match(d.codeDescription.href, /docs\/diagnostics\.md#unknown-identifier$/);
    });

    test('the quick fix of the diagnostic renames the id', async () => {
      const [diagnostic] = client.published.get(uri).at(-1).diagnostics;
      const actions = await client.request('textDocument/codeAction', {
        textDocument: { uri },
        range: diagnostic.range,
        context: { diagnostics: [diagnostic] },
      });
      assert.equal(actions.length, 1);
      assert.equal(actions[0].title, 'Change `deploymnt` to `deployment`');
      const start = positionOf(BROKEN, 'deploymnt');
      assert.deepEqual(actions[0].edit.changes[uri], [
        { range: { start, end: { ...start, character: start.character + 9 } }, newText: 'deployment' },
      ]);
    });

    test('an incremental change that fixes the id clears the diagnostics for its version', async () => {
      const start = positionOf(BROKEN, 'deploymnt');
      const published = client.diagnostics(uri, (p) => p.version === 2);
      await client.change(uri, 2, [{ range: { start, end: { ...start, character: start.character + 9 } }, text: 'deployment' }]);
      assert.deepEqual(codes(await published), []);
    });

    test('completion after a resource id offers its fields, schema fields first', async () => {
      const typed = WEBAPP.replace('app: ${schema.spec.name}\n          template:', 'app: ${deployment.}\n          template:');
      const published = client.diagnostics(uri, (p) => p.version === 3);
      await client.change(uri, 3, [{ text: typed }]);
      await published;
      const items = await client.request('textDocument/completion', {
        textDocument: { uri },
        position: positionOf(typed, '${deployment.}', 13),
      });
      assert.deepEqual(items.slice(0, 5).map((i) => i.label), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
      const published4 = client.diagnostics(uri, (p) => p.version === 4);
      await client.change(uri, 4, [{ text: WEBAPP }]);
      await published4;
    });

    test('hover on a resource id shows its kind, and definition jumps to its id', async () => {
      const at = positionOf(WEBAPP, 'deployment.spec.selector', 2);
      const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: at });
      assert.equal(hover.contents.kind, 'markdown');
      assert.match(hover.contents.value, /Deployment/);
      const [link] = await client.request('textDocument/definition', { textDocument: { uri }, position: at });
      assert.equal(link.targetUri, uri);
      assert.equal(link.targetSelectionRange.start.line, positionOf(WEBAPP, '- id: deployment').line);
    });

    test('document symbols list the schema and every resource', async () => {
      const symbols = await client.request('textDocument/documentSymbol', { textDocument: { uri } });
      const names = symbols.map((s) => s.name);
      for (const id of ['deployment', 'service', 'ingress']) assert.ok(names.includes(id), `${id} in ${names}`);
    });

    test('semantic tokens colour the expressions of the RGD', async () => {
      const legend = ['macro', 'variable', 'property', 'function', 'method', 'keyword', 'number', 'string', 'operator'];
      const { data } = await client.request('textDocument/semanticTokens/full', { textDocument: { uri } });
      assert.equal(data.length % 5, 0);
      // The first token is the `${` of `${deployment.status.conditions}`, then `deployment`, a variable.
      const first = positionOf(WEBAPP, '${deployment.status.conditions}');
      assert.deepEqual(data.slice(0, 4), [first.line, first.character, 2, legend.indexOf('macro')]);
      assert.deepEqual(data.slice(5, 9), [0, 2, 'deployment'.length, legend.indexOf('variable')]);
    });

    test('a CRD file added to the workspace teaches its kind and re-checks the open RGD', async () => {
      const userUri = pathToFileURL(join(folder, 'app', 'storage-user.yaml')).href;
      const text = readFileSync(join(repo, 'tests/fixtures/custom-kind-from-crd/rgd.yaml'), 'utf8');
      const unknown = client.diagnostics(userUri);
      await client.open(userUri, text);
      const before = codes(await unknown);
      assert.ok(before.length > 0 && before.every((c) => c === 'unknown-kind'), `${before}`);
      const crd = join(folder, 'crds', 'storage.yaml');
      mkdirSync(join(folder, 'crds'), { recursive: true });
      writeFileSync(crd, readFileSync(join(repo, 'tests/fixtures/custom-kind-from-crd/crds/storage.yaml'), 'utf8'));
      const known = client.diagnostics(userUri);
      await client.connection.sendNotification('workspace/didChangeWatchedFiles', {
        changes: [{ uri: pathToFileURL(crd).href, type: 1 }],
      });
      assert.deepEqual(codes(await known), []);
    });

    if (name === 'npm') {
      test('after a panic in the WebAssembly the server is rebuilt with the open documents', async () => {
        const error = await client.request('kro/panicForTests', {}).then(
          () => null,
          (e) => e,
        );
        assert.match(error?.message ?? '', /kro-rs engine panicked/);
        // The document's changes were replayed: its text is the last one, and requests are answered.
        const symbols = await client.request('textDocument/documentSymbol', { textDocument: { uri } });
        assert.ok(symbols.map((s) => s.name).includes('ingress'));
        const published = client.diagnostics(uri, (p) => p.version === 5);
        await client.change(uri, 5, [{ text: BROKEN }]);
        assert.deepEqual(codes(await published), ['unknown-identifier']);
      });
    }

    test('shutdown then exit ends the server with code 0', async () => {
      assert.equal(await client.shutdown(), 0);
    });
  });
}
