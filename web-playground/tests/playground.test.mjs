// Browser tests of the built playground: Debian's Chromium driven by playwright-core against dist/ served on
// localhost (scripts/serve.mjs). Screenshots and the measured figures go to test-output/ (ignored by git).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const here = new URL('..', import.meta.url).pathname;
const out = `${here}test-output`;
const shots = `${out}/screenshots`;
mkdirSync(shots, { recursive: true });
const examplesDir = new URL('../../examples/', import.meta.url).pathname;
const exampleNames = readdirSync(examplesDir)
  .filter((n) => statSync(examplesDir + n).isDirectory())
  .sort();
const example = (name, file) => readFileSync(`${examplesDir}${name}/${file}.yaml`, 'utf8');
const metrics = {};

let server;
let url;
let browser;

before(async () => {
  server = spawn(process.execPath, [`${here}scripts/serve.mjs`, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  url = await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.stdout.on('data', (chunk) => {
      const match = /(http:\/\/\S+)/.exec(String(chunk));
      if (match) resolve(match[1]);
    });
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
  writeFileSync(`${out}/metrics.json`, JSON.stringify(metrics, null, 2) + '\n');
  console.log('playground metrics:', JSON.stringify(metrics));
});

/** A page on the playground, failing the test on any console error or uncaught exception. */
async function open(t, { width = 1280, height = 800, colorScheme = 'light', hash = '', scale = 1 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, deviceScaleFactor: scale });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  t.after(async () => {
    await context.close();
    assert.deepEqual(errors, [], 'no console errors');
  });
  await page.goto(url + hash);
  await analysed(page, 0);
  return page;
}

const analyses = (page) => page.evaluate(() => Number(document.body.dataset.analyses ?? 0));

/** Waits until the page has finished an analysis after the `seen`-th one. */
async function analysed(page, seen) {
  await page.waitForFunction((n) => Number(document.body.dataset.analyses ?? 0) > n, seen, { timeout: 20_000 });
}

/** Replaces a document and waits for the views to show its analysis. */
async function edit(page, name, text) {
  const seen = await analyses(page);
  await page.evaluate(([n, t]) => window.playground.set(n, t), [name, text]);
  await analysed(page, seen);
}

/** The whole text of the output viewer (CodeMirror draws only the lines in view). */
const viewerText = (page) => page.evaluate(() => window.playground.output());
const nodeIds = (page) => page.locator('.dag .node').evaluateAll((nodes) => nodes.map((n) => n.dataset.id));

async function showOutput(page, name) {
  await page.locator(`[data-out=${name}]`).click();
}

/** An RGD of `n` ConfigMaps, each naming the one before it: a graph 100 waves deep. */
function chain(n) {
  let text =
    'apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: chain\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: Chain\n    spec:\n      name: string | default="c"\n  resources:\n';
  for (let i = 0; i < n; i++) {
    const name = i === 0 ? '${schema.spec.name}' : `\${cm${i - 1}.metadata.name}-x`;
    text += `    - id: cm${i}\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          name: "${name}"\n        data:\n          index: "${i}"\n`;
  }
  return text;
}
const chainInstance =
  'apiVersion: kro.run/v1alpha1\nkind: Chain\nmetadata:\n  name: demo\n  namespace: default\nspec: {}\n';

/** The median and maximum of `values`, rounded to a tenth. */
function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v) => Math.round(v * 10) / 10;
  return { runs: sorted.length, median: round(sorted[Math.floor(sorted.length / 2)]), max: round(sorted.at(-1)) };
}

/** Moves the mouse over the first `${...}` of the RGD that starts with `expression`; its hover tooltip. */
async function hoverOver(page, expression) {
  const text = await page.evaluate(() => window.playground.get('rgd'));
  const at = text.indexOf(expression) + 4;
  const coords = await page.evaluate((offset) => {
    window.playground.cursor('rgd', offset);
    return window.playground.coords('rgd', offset);
  }, at);
  await page.mouse.move(coords.x, coords.y);
  const tooltip = page.locator('.cm-tooltip-hover');
  await tooltip.waitFor({ timeout: 10_000 });
  return tooltip;
}

/** The problems listed, as text. */
const problemTexts = (page) => page.locator('.problem').allInnerTexts();
const statusText = (page) => page.locator('#status').innerText();

describe('the playground', () => {
  test('loads the first example with no console error, a clean status, its graph and its CRD', async (t) => {
    const page = await open(t);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('No problems'));
    assert.deepEqual((await nodeIds(page)).sort(), ['deployment', 'ingress', 'service']);
    assert.match(await viewerText(page), /kind: CustomResourceDefinition/);
    await page.screenshot({ path: `${shots}/desktop.png` });
    // Each output downloads and copies as YAML.
    await showOutput(page, 'resources');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    assert.equal(download.suggestedFilename(), 'resources.yaml');
    const saved = readFileSync(await download.path(), 'utf8');
    assert.match(saved, /kind: Deployment[\s\S]*kind: Service[\s\S]*kind: Ingress/);
    await page.locator('#copy').click();
    await page.waitForFunction((text) => navigator.clipboard.readText().then((c) => c === text), saved);
  });

  test('every example of the repository draws its DAG and generates its CRD', async (t) => {
    const page = await open(t);
    for (const name of exampleNames) {
      const seen = await analyses(page);
      await page.selectOption('#examples', name);
      await analysed(page, seen);
      const status = await page.locator('#status').innerText();
      assert.match(status, /No problems/, `${name}: ${status}`);
      const ids = await nodeIds(page);
      const expected = [...example(name, 'rgd').matchAll(/^ {4}- id: (\S+)/gm)].map((m) => m[1]);
      assert.deepEqual(ids.sort(), expected.sort(), `${name}: one node per resource`);
      await showOutput(page, 'crd');
      assert.match(await viewerText(page), /kind: CustomResourceDefinition/, `${name}: CRD shown`);
      await page.screenshot({ path: `${shots}/example-${name}.png` });
    }
  });

  test('an error is underlined at its line and listed; fixing it updates the DAG', async (t) => {
    const page = await open(t);
    const base = example('webapp', 'rgd');
    const broken =
      base +
      '\n    - id: settings\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n' +
      '          name: ${deploymnt.metadata.name}-settings\n';
    const line = broken.split('\n').findIndex((l) => l.includes('deploymnt')) + 1;
    await edit(page, 'rgd', broken);
    const problem = page.locator('.problem.error').first();
    await problem.waitFor();
    assert.equal(await problem.getAttribute('data-line'), String(line));
    assert.match(await problem.innerText(), /deploymnt/);
    assert.ok(await page.locator('#editor-rgd .cm-lintRange-error').count(), 'the range is underlined');
    const underlined = await page.locator('#editor-rgd .cm-lintRange-error').first().innerText();
    assert.match(underlined, /deploymnt/);
    assert.ok(await page.locator('#graph.stale').count(), 'the last good graph is shown, dimmed');
    await page.screenshot({ path: `${shots}/error.png` });
    assert.equal((await nodeIds(page)).length, 3);

    // The problems list jumps to the line.
    await problem.click();
    const cursorLine = await page.evaluate(() => {
      const sel = window.getSelection();
      return sel?.anchorNode?.parentElement?.closest('.cm-line')?.textContent ?? '';
    });
    assert.match(cursorLine, /deploymnt/);

    await edit(page, 'rgd', broken.replace('deploymnt', 'deployment'));
    await page.waitForFunction(() => !document.querySelector('#graph.stale'));
    assert.deepEqual((await nodeIds(page)).sort(), ['deployment', 'ingress', 'service', 'settings']);
    assert.equal(await page.locator('.edge[data-from=deployment][data-to=settings]').count(), 1);
    assert.match(await page.locator('#status').innerText(), /No problems/);
  });

  test('the graph stays put while unrelated text changes', async (t) => {
    const page = await open(t);
    const positions = () =>
      page
        .locator('.dag .node')
        .evaluateAll((nodes) => nodes.map((n) => `${n.dataset.id}@${n.getAttribute('transform')}`));
    const before = await positions();
    const first = await page.locator('.dag .node').first().elementHandle();
    const text = await page.evaluate(() => window.playground.get('rgd'));
    await edit(page, 'rgd', text.replace('# Define the resources', '# Define, carefully, the resources'));
    await edit(page, 'rgd', text.replace('image: string | default="nginx"', 'image: string | default="nginx:1.27"'));
    assert.deepEqual(await positions(), before);
    assert.ok(await first.evaluate((n) => n.isConnected), 'the same SVG node, not a redrawn one');
  });

  test('hover explains a reference and F12 jumps to its declaration', async (t) => {
    const page = await open(t);
    const tooltip = await hoverOver(page, '${deployment.spec.selector');
    assert.match(await tooltip.innerText(), /deployment|Deployment/);
    await page.screenshot({ path: `${shots}/hover.png` });
    await page.keyboard.press('F12');
    await page.waitForFunction(() => window.getSelection()?.toString() === 'deployment');
    const line = await page.evaluate(
      () => window.getSelection()?.anchorNode?.parentElement?.closest('.cm-line')?.textContent,
    );
    assert.match(line, /- id: deployment/);
  });

  test('a reload keeps the documents being edited', async (t) => {
    const page = await open(t);
    const rgd = '# mine\n' + example('worker', 'rgd');
    await edit(page, 'rgd', rgd);
    await page.reload();
    await analysed(page, 0);
    assert.equal(await page.evaluate(() => window.playground.get('rgd')), rgd);
    assert.equal(await page.locator('#examples').inputValue(), '');
  });

  test('once loaded, the page works offline', async (t) => {
    const page = await open(t);
    await page.context().setOffline(true);
    await edit(page, 'instance', example('webapp', 'instance').replace('enabled: true', 'enabled: false'));
    assert.equal(await page.locator('.node[data-id=ingress]').getAttribute('data-state'), 'excluded');
    await page.selectOption('#examples', 'worker');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('No problems'));
  });

  test('typing ${deployment. offers the fields of a Deployment', async (t) => {
    const page = await open(t);
    const text = await page.evaluate(() => window.playground.get('rgd'));
    const at = text.indexOf('${schema.spec.name}-service');
    await edit(page, 'rgd', text.slice(0, at) + text.slice(at + '${schema.spec.name}-service'.length));
    await page.evaluate((offset) => window.playground.cursor('rgd', offset), at);
    await page.keyboard.type('${deployment.');
    const popup = page.locator('.cm-tooltip-autocomplete');
    await popup.waitFor({ timeout: 10_000 });
    const labels = await popup.locator('.cm-completionLabel').allInnerTexts();
    for (const field of ['metadata', 'spec', 'status']) assert.ok(labels.includes(field), `${field} in ${labels}`);
    await page.screenshot({ path: `${shots}/completion.png` });
  });

  test('toggling ingress.enabled in the instance adds and removes the Ingress', async (t) => {
    const page = await open(t);
    await showOutput(page, 'resources');
    const instance = example('webapp', 'instance');
    assert.match(await viewerText(page), /kind: Ingress/);
    await edit(page, 'instance', instance.replace('enabled: true', 'enabled: false'));
    assert.doesNotMatch(await viewerText(page), /kind: Ingress/);
    assert.match(await viewerText(page), /# excluded: ingress/);
    assert.equal(await page.locator('.node[data-id=ingress]').getAttribute('data-state'), 'excluded');
    await edit(page, 'instance', instance);
    assert.match(await viewerText(page), /kind: Ingress/);

    // A value the API server would refuse is a problem at its line in the instance.
    await edit(page, 'instance', instance.replace('enabled: true', 'enabled: 12'));
    const problem = page.locator('.problem.error').first();
    assert.match(await problem.innerText(), /instance 8.*must be of type boolean/s);
    // So is an observed document that cannot be read.
    await edit(page, 'instance', instance);
    await edit(page, 'observed', 'kind: ConfigMap\nfoo: [\n');
    assert.match(await page.locator('.problem.error').first().innerText(), /observed/);
    await edit(page, 'observed', '');
    assert.match(await page.locator('#status').innerText(), /No problems/);
    assert.equal(await page.locator('.node[data-id=ingress]').getAttribute('data-state'), 'ready');
  });

  test('an edit of the RGD compiles it once for every view, and an edit of the instance compiles nothing', async (t) => {
    const page = await open(t);
    const compiles = () => page.evaluate(() => Number(document.body.dataset.compiles));
    const first = await compiles();
    assert.equal(first, 1, 'loading the first example compiled it once');
    const text = await page.evaluate(() => window.playground.get('rgd'));
    await edit(page, 'rgd', text.replace('# Define the resources', '# Define, carefully, the resources'));
    assert.equal(await compiles(), first + 1, 'diagnostics, graph, CRD and simulation share one compile');
    const instance = example('webapp', 'instance');
    await edit(page, 'instance', instance.replace('name: my-awesome-app', 'name: my-other-app'));
    assert.equal(await compiles(), first + 1, 'the RGD did not change');
    assert.match(await viewerText(page), /kind: CustomResourceDefinition/);
    await showOutput(page, 'resources');
    assert.match(await viewerText(page), /name: my-other-app/);
    // The engine's share of an edit of the web application example (the status line's figure): reported only.
    const ms = [];
    for (let i = 0; i < 9; i++) {
      await edit(page, 'rgd', i % 2 ? text : text.replace('# Define the resources', `# Define the resources ${i}`));
      ms.push(Number(/engine (\d+) ms/.exec(await page.locator('#status').innerText())?.[1]));
    }
    metrics.webappEngineMsPerEdit = ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)];
    metrics.webappCompilesPerEdit = ((await compiles()) - first - 1) / 9;
    assert.equal(metrics.webappCompilesPerEdit, 1);
  });

  test('the simulator steps from the first apply to ACTIVE, colouring the DAG at each step', async (t) => {
    const page = await open(t);
    await page.locator('#sim-first').click();
    assert.equal(await page.locator('#sim-state').innerText(), 'IN_PROGRESS');
    assert.equal(await page.locator('.node[data-id=deployment]').getAttribute('data-state'), 'applied');
    assert.equal(await page.locator('.node[data-id=service]').getAttribute('data-state'), 'waiting');
    await showOutput(page, 'status');
    assert.match(await viewerText(page), /state: IN_PROGRESS/);
    const seenStates = [];
    for (let i = 0; i < 10 && (await page.locator('#sim-state').innerText()) !== 'ACTIVE'; i++) {
      seenStates.push(await page.locator('#sim-step').innerText());
      await page.locator('#sim-next').click();
    }
    assert.equal(await page.locator('#sim-state').innerText(), 'ACTIVE');
    assert.ok(seenStates.length >= 2, 'several steps before ACTIVE');
    assert.match(await viewerText(page), /state: ACTIVE/);
    for (const id of await nodeIds(page)) {
      assert.equal(await page.locator(`.node[data-id=${id}]`).getAttribute('data-state'), 'ready', id);
    }
    // And back, with the keyboard.
    await page.keyboard.press('Alt+ArrowLeft');
    assert.equal(await page.locator('#sim-state').innerText(), 'IN_PROGRESS');
  });

  test('a share link restores the same documents in a new page', async (t) => {
    const page = await open(t);
    const rgd = '# shared\n' + example('webapp-db', 'rgd');
    const instance = example('webapp-db', 'instance').replace('replicas: 3', 'replicas: 5');
    await edit(page, 'rgd', rgd);
    await edit(page, 'instance', instance);
    await page.locator('#share').click();
    const link = page.url();
    assert.match(link, /#s=/);
    await page.waitForFunction((text) => navigator.clipboard.readText().then((c) => c === text), link);
    const other = await open(t, { hash: new URL(link).hash });
    assert.equal(await other.evaluate(() => window.playground.get('rgd')), rgd);
    assert.equal(await other.evaluate(() => window.playground.get('instance')), instance);
    assert.deepEqual((await nodeIds(other)).length, 7);
  });

  test('garbage, 100 levels deep, and an empty document never blank the page', async (t) => {
    const page = await open(t);
    const deepMap = Array.from({ length: 100 }, (_, i) => `${'  '.repeat(i)}a${i}:`).join('\n') + ' x\n';
    const deepFlow = '['.repeat(100) + ']'.repeat(100);
    const deepExpr =
      'apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata: {name: x}\nspec:\n  schema:\n    apiVersion: v1\n    kind: X\n    status:\n      a: ${' +
      '('.repeat(100) +
      '1' +
      ')'.repeat(100) +
      '}\n';
    for (const text of [deepMap, deepFlow, deepExpr, '{{{{:::: ---\n\t- ]]', '']) {
      await edit(page, 'rgd', text);
      assert.ok(await page.locator('#editor-rgd .cm-content').isVisible());
      assert.ok(await page.locator('.dag, #graph-note').first().isVisible());
      const status = await page.locator('#status').innerText();
      assert.doesNotMatch(status, /engine failed/i, status);
    }
    // The page still works afterwards.
    await edit(page, 'rgd', example('webapp', 'rgd'));
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('No problems'));
  });

  test('keyboard only: tabs switch with the arrow keys and Enter on a graph node selects its template', async (t) => {
    const page = await open(t);
    await page.locator('#tab-rgd').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('#tab-instance').getAttribute('aria-selected'), 'true');
    await page.locator('.node[data-id=service]').focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#tab-rgd').getAttribute('aria-selected'), 'true');
    const selected = await page.evaluate(() => {
      const text = window.playground.get('rgd');
      const sel = window.getSelection()?.toString() ?? '';
      return { text, sel };
    });
    assert.match(selected.sel, /id: service/);
    // Tab indents in the editor; Escape then Tab leaves it, so a keyboard user is never trapped (the first
    // Escape only collapses the template's selection).
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.closest('.cm-editor') === null);
    assert.ok(focused, 'focus left the editor');
  });

  test('the narrow and dark layouts render without horizontal scrolling (screenshots)', async (t) => {
    const narrow = await open(t, { width: 390, height: 844 });
    await narrow.screenshot({ path: `${shots}/narrow.png`, fullPage: true });
    // As a phone user sees the outputs after scrolling down to them.
    await narrow.locator('.outputs').scrollIntoViewIfNeeded();
    await narrow.waitForFunction(() => {
      const box = document.querySelector('.outputs')?.getBoundingClientRect();
      return box !== undefined && box.top >= 0 && box.top < window.innerHeight;
    });
    await narrow.screenshot({ path: `${shots}/narrow-outputs.png` });
    const bodyWidth = await narrow.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(bodyWidth <= 390, `no horizontal scroll at phone width (${bodyWidth}px)`);
    const dark = await open(t, { colorScheme: 'dark' });
    const background = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(background, 'rgb(244, 245, 249)', 'dark theme follows the system');
    await dark.selectOption('#examples', 'webapp-db');
    await analysed(dark, 1);
    await dark.locator('#sim-first').click();
    await dark.locator('#sim-next').click();
    await dark.screenshot({ path: `${shots}/dark.png` });

    // The README's picture (docs/playground.png is a copy): the largest example mid-reconcile, at 3/4 scale.
    const readme = await open(t, { scale: 0.75 });
    await readme.selectOption('#examples', 'webapp-db');
    await analysed(readme, 1);
    await readme.locator('#sim-first').click();
    await readme.locator('#sim-next').click();
    await readme.locator('[data-out=resources]').click();
    await readme.mouse.move(0, 0);
    await readme.screenshot({ path: `${shots}/readme.png` });
  });

  test('reports the re-render time after the debounce on the largest example, and the transferred size', async (t) => {
    const sizes = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    t.after(() => context.close());
    context.on('requestfinished', async (request) => {
      const s = await request.sizes().catch(() => null);
      if (s) sizes.push([request.url(), s.responseBodySize + s.responseHeadersSize]);
    });
    const page = await context.newPage();
    await page.goto(url);
    await analysed(page, 0);
    await page.waitForLoadState('networkidle');
    metrics.transferredBytes = sizes.reduce((sum, [, bytes]) => sum + bytes, 0);
    metrics.transferredFiles = sizes.map(([u, bytes]) => `${new URL(u).pathname} ${bytes}`);
    // The same from the files: what a static host sends, gzipped, for the page and everything it loads.
    const dist = `${here}dist/`;
    const files = ['index.html', ...readdirSync(`${dist}assets`).map((f) => `assets/${f}`)];
    metrics.distGzipBytes = Object.fromEntries(
      files.map((f) => [f, gzipSync(readFileSync(dist + f), { level: 9 }).length]),
    );
    // One download: the engine is fetched and compiled once, on the page, and handed to its worker.
    assert.equal(sizes.filter(([u]) => u.endsWith('.wasm')).length, 1);

    const largest = exampleNames.map((n) => [n, example(n, 'rgd').length]).sort((a, b) => b[1] - a[1])[0][0];
    let seen = await analyses(page);
    await page.selectOption('#examples', largest);
    await analysed(page, seen);
    const text = await page.evaluate(() => window.playground.get('rgd'));
    await page.evaluate((offset) => window.playground.cursor('rgd', offset), text.indexOf('\n  resources:'));
    await page.evaluate(() => performance.clearMeasures());
    const runs = 15;
    for (let i = 0; i < runs; i++) {
      seen = await analyses(page);
      // A real keystroke: a trailing space typed, then deleted, at the end of a line.
      if (i % 2) await page.keyboard.press('Backspace');
      else await page.keyboard.type(' ');
      await analysed(page, seen);
    }
    const summary = (values) => {
      const sorted = [...values].sort((a, b) => a - b);
      const round = (v) => Math.round(v * 10) / 10;
      return { runs: sorted.length, median: round(sorted[Math.floor(sorted.length / 2)]), max: round(sorted.at(-1)) };
    };
    const durations = await page.evaluate(() => performance.getEntriesByName('kro:rerender').map((e) => e.duration));
    const checked = await page.evaluate(() => performance.getEntriesByName('kro:checked').map((e) => e.duration));
    metrics.example = largest;
    // From the end of the debounce to the diagnostics and the DAG on screen, and to every view (CRD, resources,
    // simulator) on screen.
    metrics.diagnosticsAndDagMs = summary(checked);
    metrics.rerenderMs = summary(durations);
    // The engine's share of the last one, per call (the status line's tooltip).
    metrics.lastEngineCallsMs = await page.locator('#status').getAttribute('title');
    assert.ok(durations.length >= runs, 'one measure per edit');
    assert.ok(metrics.transferredBytes > 0);
  });

  // ------------------------------------------------------------------------------------------ [playground-2]

  test('a share link restores its state once, then a reload keeps the edits made after it', async (t) => {
    const page = await open(t);
    await page.locator('#share').click();
    const link = new URL(page.url()).hash;
    const other = await open(t, { hash: link });
    assert.equal(new URL(other.url()).hash, '', 'the hash is cleared once its state is loaded');
    const edited = '# my edit\n' + (await other.evaluate(() => window.playground.get('rgd')));
    await edit(other, 'rgd', edited);
    await other.reload();
    await analysed(other, 0);
    assert.equal(await other.evaluate(() => window.playground.get('rgd')), edited);
  });

  test('a share link restores the output tab and the simulator step', async (t) => {
    const page = await open(t);
    await page.locator('#sim-first').click();
    await page.locator('#sim-next').click();
    await showOutput(page, 'status');
    await page.locator('#share').click();
    const other = await open(t, { hash: new URL(page.url()).hash });
    await other.waitForFunction(() => document.querySelector('#sim-step')?.textContent?.startsWith('step 2 /'));
    assert.equal(await other.locator('[data-out=status]').getAttribute('aria-selected'), 'true');
    assert.match(await viewerText(other), /The instance at step 2 of/);
  });

  test('a 100-resource chain opens readable, zooms, fits, finds a node, highlights what it reads, and reaches ACTIVE', async (t) => {
    const page = await open(t, { width: 1440, height: 900 });
    await edit(page, 'instance', chainInstance);
    await edit(page, 'rgd', chain(100));
    await page.waitForFunction(() => document.querySelectorAll('.dag .node').length === 100);
    const fontPx = () => page.locator('.node[data-id=cm0] .node-id').evaluate((n) => n.getBoundingClientRect().height);
    assert.ok((await fontPx()) >= 10, `node labels are readable when the graph opens (${await fontPx()} px)`);
    await page.screenshot({ path: `${shots}/graph-100.png` });
    // Fit shows the whole graph in the panel.
    await page.locator('#zoom-fit').click();
    const inside = await page.evaluate(() => {
      const host = document.querySelector('#graph').getBoundingClientRect();
      return [...document.querySelectorAll('.dag .node')].every((n) => {
        const b = n.getBoundingClientRect();
        return (
          b.left >= host.left - 1 && b.right <= host.right + 1 && b.top >= host.top - 1 && b.bottom <= host.bottom + 1
        );
      });
    });
    assert.ok(inside, 'every node inside the panel after Fit');
    const scale = () => page.locator('.dag').evaluate((svg) => Number(svg.dataset.scale));
    const fitted = await scale();
    await page.locator('#zoom-in').click();
    assert.ok((await scale()) > fitted, 'zoom in');
    // Search by id: the node is selected and brought into view, what it reads and what reads it highlighted.
    await page.locator('#graph-search').fill('cm57');
    await page.locator('#graph-search').press('Enter');
    await page.waitForFunction(() => document.querySelector('.node[data-id=cm57]')?.classList.contains('selected'));
    const visible = await page.evaluate(() => {
      const host = document.querySelector('#graph').getBoundingClientRect();
      const b = document.querySelector('.node[data-id=cm57]').getBoundingClientRect();
      return b.top >= host.top && b.bottom <= host.bottom && b.left >= host.left && b.right <= host.right;
    });
    assert.ok(visible, 'the found node is in view');
    assert.ok(await page.locator('.node[data-id=cm12].upstream').count(), 'a node it reads (transitively) is upstream');
    assert.ok(await page.locator('.node[data-id=cm80].downstream').count(), 'a node reading it is downstream');
    assert.equal(
      await page.evaluate(() => window.playground.get('rgd')),
      chain(100),
      'Enter only jumped to the template',
    );
    await page.screenshot({ path: `${shots}/graph-100-found.png` });
    // The simulation reaches ACTIVE: the step cap follows the graph's depth.
    await page
      .waitForFunction(() => document.querySelector('#sim-state')?.textContent === 'ACTIVE', null, { timeout: 10_000 })
      .catch(() => {});
    assert.equal(await page.locator('#sim-state').innerText(), 'ACTIVE', await page.locator('.sim').innerText());
    assert.equal(await page.locator('#sim-step').innerText(), 'step 101 / 101');
    assert.doesNotMatch(await page.locator('#sim-events').innerText(), /Stuck|Not ACTIVE/);

    // Per edit, from the end of the debounce to every view updated, and the engine's share (reported only).
    await page.evaluate(() => performance.clearMeasures());
    const text = await page.evaluate(() => window.playground.get('rgd'));
    const engineMs = [];
    for (let i = 0; i < 9; i++) {
      await edit(page, 'rgd', text.replace('name: chain', `name: chain${i % 2 ? '' : 'x'}`));
      engineMs.push(Number(/engine (\d+) ms/.exec(await statusText(page))?.[1]));
    }
    const measures = await page.evaluate(() => performance.getEntriesByName('kro:rerender').map((e) => e.duration));
    metrics.chain100 = {
      allViewsMs: summary(measures),
      engineMs: summary(engineMs),
      parts: await page.locator('#status').getAttribute('title'),
    };
  });

  test('a cycle is drawn in red on the last valid graph', async (t) => {
    const page = await open(t);
    const text = await page.evaluate(() => window.playground.get('rgd'));
    // The Deployment now reads the Service, which reads the Deployment.
    await edit(page, 'rgd', text.replace('image: ${schema.spec.image}', 'image: ${service.metadata.name}'));
    // A straight edge has an empty box, which Playwright calls hidden: wait for it to be there.
    await page.locator('.edge.cycle.added').waitFor({ state: 'attached' });
    assert.equal(await page.locator('.edge.cycle:not(.added)[data-from=deployment][data-to=service]').count(), 1);
    assert.ok(await page.locator('.node[data-id=deployment].in-cycle').count());
    assert.ok(await page.locator('.node[data-id=service].in-cycle').count());
    assert.match(await page.locator('#graph-note').innerText(), /cycle \((deployment|service) → /);
    await page.screenshot({ path: `${shots}/cycle.png` });
  });

  test('completion after ${schema.spec. puts the fields first and offers no optional functions', async (t) => {
    const page = await open(t);
    const text = await page.evaluate(() => window.playground.get('rgd'));
    const at = text.indexOf('${schema.spec.name}');
    await edit(page, 'rgd', text.slice(0, at) + text.slice(at + '${schema.spec.name}'.length));
    await page.evaluate((offset) => window.playground.cursor('rgd', offset), at);
    await page.keyboard.type('${schema.spec.');
    const popup = page.locator('.cm-tooltip-autocomplete');
    await popup.waitFor({ timeout: 10_000 });
    const labels = await popup.locator('.cm-completionLabel').allInnerTexts();
    assert.equal(labels[0], 'image', `the first option is a field: ${labels}`);
    assert.ok(labels.indexOf('name') < labels.indexOf('deepMerge'), `${labels}`);
    for (const optional of ['hasValue', 'orValue', 'value'])
      assert.ok(!labels.includes(optional), `${optional} in ${labels}`);
    await page.keyboard.press('Enter');
    assert.match(await page.evaluate(() => window.playground.get('rgd')), /\$\{schema\.spec\.image/);
  });

  test('the Instance editor completes the instance API fields', async (t) => {
    const page = await open(t);
    const instance = 'apiVersion: kro.run/v1alpha1\nkind: Application\nmetadata:\n  name: demo\nspec:\n  name: web\n  ';
    await edit(page, 'instance', instance);
    await page.evaluate((offset) => window.playground.cursor('instance', offset), instance.length);
    await page.keyboard.press('Control+Space');
    const popup = page.locator('.cm-tooltip-autocomplete');
    await popup.waitFor({ timeout: 10_000 });
    const labels = await popup.locator('.cm-completionLabel').allInnerTexts();
    assert.ok(labels.includes('image') && labels.includes('ingress') && !labels.includes('name'), `${labels}`);
  });

  test('CRDs in the CRDs tab teach the engine their kinds', async (t) => {
    const page = await open(t);
    const rgd = example('webapp', 'rgd').replace(
      '    - id: ingress',
      '    - id: certificate\n      template:\n        apiVersion: cert-manager.io/v1\n        kind: Certificate\n        metadata:\n          name: ${schema.spec.name}\n        spec:\n          secretNam: ${schema.spec.name}-tls\n    - id: ingress',
    );
    await edit(page, 'rgd', rgd);
    const warning = (await problemTexts(page)).find((p) => /Certificate/.test(p)) ?? '';
    assert.match(warning, /unknown-kind[\s\S]*not checked/);
    assert.match(warning, /CRDs tab/);
    assert.doesNotMatch(warning, /pass its CustomResourceDefinition with --crd/);
    const crd =
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: certificates.cert-manager.io\nspec:\n  group: cert-manager.io\n  scope: Namespaced\n  names: {kind: Certificate, plural: certificates}\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec:\n              type: object\n              properties:\n                secretName: {type: string}\n                dnsNames: {type: array, items: {type: string}}\n';
    await page.locator('#tab-crds').click();
    await edit(page, 'crds', crd);
    const problems = (await problemTexts(page)).join('\n');
    assert.doesNotMatch(problems, /unknown-kind/);
    assert.match(problems, /secretNam/, 'the template is checked against the CRD: the typo is found');
    await page.screenshot({ path: `${shots}/crds.png` });
  });

  test('the simulation gives created objects what the API server fills: a Service has its clusterIP', async (t) => {
    const page = await open(t);
    const rgd = example('webapp', 'rgd').replace(
      '    - id: ingress',
      '    - id: endpoint\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          name: ${schema.spec.name}-endpoint\n        data:\n          ip: ${service.spec.clusterIP}\n          uid: ${service.metadata.uid}\n    - id: ingress',
    );
    await edit(page, 'rgd', rgd);
    await page.waitForFunction(() => document.querySelector('#sim-state')?.textContent === 'ACTIVE');
    await showOutput(page, 'resources');
    const yaml = await viewerText(page);
    assert.match(yaml, /ip: 10\.\d+\.\d+\.\d+/);
    assert.match(yaml, /uid: [0-9a-f]{8}-[0-9a-f]{4}-4/);
    assert.doesNotMatch(await page.locator('#sim-events').innerText(), /Stuck/);
  });

  test('a plan error of the simulation is shown at its resource in the RGD', async (t) => {
    const page = await open(t);
    // Two resources render the same ConfigMap: kro's ApplySet conflict, found when the plan renders them.
    const rgd = example('webapp', 'rgd').replace(
      '    - id: ingress',
      '    - id: first\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          name: shared\n    - id: second\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          name: shared\n    - id: ingress',
    );
    await edit(page, 'rgd', rgd);
    const line = rgd.split('\n').findIndex((l) => l.includes('- id: second')) + 1;
    const problem = page.locator('.problem.error', { hasText: 'conflicts with' });
    await problem.waitFor();
    assert.equal(await problem.getAttribute('data-line'), String(line));
    assert.match(await problem.innerText(), /second: resourceID: second conflicts with resourceID: first/);
    assert.match(await problem.innerText(), /plan-error/);
    const underlined = await page.locator('#editor-rgd .cm-lintRange-error').allInnerTexts();
    assert.ok(
      underlined.some((u) => u.includes('second')),
      `${underlined}`,
    );
  });

  test('the example picker says "(your own)" once the text is not the example’s', async (t) => {
    const page = await open(t);
    assert.equal(await page.locator('#examples').inputValue(), 'webapp');
    const text = await page.evaluate(() => window.playground.get('rgd'));
    await edit(page, 'rgd', text + '\n# mine\n');
    assert.equal(await page.locator('#examples').inputValue(), '');
  });

  test('a long problem message is shown whole, wrapped', async (t) => {
    const page = await open(t);
    const text = await page.evaluate(() => window.playground.get('rgd'));
    await edit(page, 'rgd', text.replace('${schema.spec.name}-service', '${deploymnt.metadata.name}-service'));
    const msg = page.locator('.problem .msg').first();
    const shown = await msg.evaluate((m) => ({ text: m.textContent, clipped: m.scrollWidth > m.clientWidth + 1 }));
    assert.ok(!shown.clipped, 'nothing cut off');
    assert.match(shown.text, /references unknown identifiers[\s\S]*help: did you mean/);
    assert.ok(!shown.text.endsWith('…'));
  });

  test('the engine figure times the whole analysis, not its last part', async (t) => {
    const page = await open(t);
    await edit(page, 'instance', example('webapp', 'instance').replace('name: my-awesome-app', 'name: my-other-app'));
    const title = await page.locator('#status').getAttribute('title');
    const parts = Object.fromEntries(
      title
        .split('\n')
        .map((l) => l.split(': '))
        .map(([k, v]) => [k, parseFloat(v)]),
    );
    const shown = Number(/engine (\d+) ms/.exec(await statusText(page))[1]);
    assert.equal(shown, Math.max(1, Math.round(parts.total)));
    const sum = Object.entries(parts)
      .filter(([k]) => k !== 'total')
      .reduce((a, [, v]) => a + v, 0);
    assert.ok(parts.total >= sum - 0.5, `total ${parts.total} covers every part (${sum})`);
  });

  test('values at the simulator step: a hover shows the value, the toggle shows every value inline', async (t) => {
    const page = await open(t);
    const tooltip = await hoverOver(page, '${schema.spec.image}');
    assert.match(await tooltip.innerText(), /At step 4:\s*"nginx"/);
    await page.screenshot({ path: `${shots}/value-hover.png` });
    await page.mouse.move(0, 0);
    await page.locator('#values-toggle').check();
    await page.locator('.cm-inline-value').first().waitFor();
    const inline = await page.locator('.cm-inline-value').allInnerTexts();
    assert.ok(inline.includes('"my-awesome-app"'), `${inline}`);
    // At the first step the Service is not ready: what reads it is pending.
    await page.locator('#sim-first').click();
    await page.waitForFunction(() => document.body.dataset.shownStep === '1');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.cm-inline-value')].some((v) => v.textContent === 'pending'),
    );
    await page.screenshot({ path: `${shots}/values.png` });
  });

  test('the instance form follows the schema and the Instance editor, both ways', async (t) => {
    const page = await open(t);
    await page.locator('#tab-instance').click();
    await page.locator('#instance-form-toggle').click();
    const image = page.locator('#field-spec-image');
    await image.waitFor();
    assert.equal(await image.getAttribute('placeholder'), 'default: nginx');
    assert.equal(await page.locator('#field-spec-ingress-enabled').isChecked(), true);
    assert.match(await page.locator('#instance-form').innerText(), /ingress\.enabled/);
    // Form -> YAML.
    const seen = await analyses(page);
    await image.fill('httpd:2.4');
    await analysed(page, seen);
    assert.match(await page.evaluate(() => window.playground.get('instance')), /image: httpd:2\.4/);
    await page.locator('#field-spec-ingress-enabled').uncheck();
    await page.waitForFunction(() => /enabled: false/.test(window.playground.get('instance')));
    // YAML -> form, and what the API server would refuse, under its field.
    await edit(
      page,
      'instance',
      (await page.evaluate(() => window.playground.get('instance'))).replace('httpd:2.4', 'nginx:1.27'),
    );
    assert.equal(await image.inputValue(), 'nginx:1.27');
    await page.screenshot({ path: `${shots}/form.png` });
    await edit(page, 'instance', example('webapp', 'instance').replace('name: my-awesome-app', 'name: 12'));
    await page
      .locator('#field-spec-name')
      .evaluate((n) => n.closest('.form-field').querySelector('.form-error:not([hidden])'));
    assert.match(await page.locator('.form-field', { has: page.locator('#field-spec-name') }).innerText(), /string/);
    // A richer schema: required fields, bounds, patterns and descriptions (the README's picture).
    const seenBefore = await analyses(page);
    await page.selectOption('#examples', 'webapp-db');
    await analysed(page, seenBefore);
    await page.locator('#field-spec-replicas').waitFor();
    assert.equal(await page.locator('#field-spec-name').getAttribute('aria-required'), 'true');
    assert.match(await page.locator('#instance-form').innerText(), /between 1 and 20/);
    await page.screenshot({ path: `${shots}/form-webapp-db.png` });
  });

  test('what if: a resource made not ready or refused at a step, and the object an external reference reads', async (t) => {
    const page = await open(t);
    await page.locator('#sim-first').click();
    await page.locator('#sim-events li[data-id=deployment] button', { hasText: 'Not ready' }).click();
    await page.waitForFunction(() =>
      /Stuck: deployment: not ready: made so in the simulation from step 1/.test(
        document.querySelector('#sim-events')?.textContent ?? '',
      ),
    );
    assert.equal(await page.locator('.node[data-id=service]').getAttribute('data-state'), 'waiting');
    await page.locator('#sim-whatifs button', { hasText: 'Undo' }).click();
    await page.waitForFunction(() => document.querySelector('#sim-state')?.textContent === 'ACTIVE');
    await page.locator('#sim-first').click();
    await page.locator('#sim-next').click();
    await page.locator('#sim-events li[data-id=service] button', { hasText: 'Fail' }).click();
    await page.waitForFunction(() => document.querySelector('#sim-state')?.textContent === 'ERROR');
    assert.equal(await page.locator('.node[data-id=service]').getAttribute('data-state'), 'failed');

    // An external reference: its object is added to the Observed document for editing.
    await page.selectOption('#examples', 'edge-cache');
    await analysed(page, await analyses(page));
    const external = await page.evaluate(() =>
      [...document.querySelectorAll('.node.external')].map((n) => n.dataset.id),
    );
    assert.ok(external.length > 0);
    await edit(page, 'observed', '');
    await page.locator(`#sim-events li[data-id=${external[0]}] button`, { hasText: 'Edit what it reads' }).click();
    assert.equal(await page.locator('#tab-observed').getAttribute('aria-selected'), 'true');
    assert.match(
      await page.evaluate(() => window.playground.get('observed')),
      /^apiVersion: .*\nkind: .*\nmetadata:\n {2}name: /,
    );
  });

  test('comparing with a kept version flags breaking changes and diffs the CRD and the resources', async (t) => {
    const page = await open(t);
    await page.locator('#keep-version').click();
    await showOutput(page, 'compare');
    const text = await page.evaluate(() => window.playground.get('rgd'));
    await edit(
      page,
      'rgd',
      text
        .replace(
          'image: string | default="nginx"',
          'image: string | default="nginx"\n      team: string | default="web"',
        )
        .replace('replicas: 3', 'replicas: 2'),
    );
    // The comparison made when the version was kept (both sides the same) may still be the last one shown when
    // `edit` returns: wait for the one of the edit.
    await page.waitForFunction(() => /\+\s+team:/.test(window.playground.output()));
    let diff = await viewerText(page);
    assert.match(diff, /No breaking change/);
    assert.match(diff, /\+\s+team:/);
    await edit(
      page,
      'rgd',
      text.replace(
        'image: string | default="nginx"',
        'image: string | default="nginx"\n      team: string | required=true',
      ),
    );
    await page.locator('#breaking').waitFor();
    assert.match(await page.locator('#breaking').innerText(), /Breaking: v1alpha1\.spec: field team is now required/);
    diff = await viewerText(page);
    assert.match(diff, /breaking change/);
    assert.ok(await page.locator('#viewer .cm-diff-added').count(), 'added lines are marked');
    await page.waitForFunction(() => !document.querySelector('#toast.shown'));
    await page.screenshot({ path: `${shots}/compare.png` });
  });

  test('export puts the RGD, the CRD, the instance and one file per rendered resource in a zip', async (t) => {
    const page = await open(t);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export').click()]);
    assert.equal(download.suggestedFilename(), 'applications.zip');
    const { unzipSync, strFromU8 } = await import('fflate');
    const files = unzipSync(readFileSync(await download.path()));
    const names = Object.keys(files).sort();
    assert.deepEqual(names, [
      'crd.yaml',
      'instance.yaml',
      'resources/01-deployment-default-my-awesome-app.yaml',
      'resources/02-service-default-my-awesome-app-service.yaml',
      'resources/03-ingress-default-my-awesome-app-ingress.yaml',
      'rgd.yaml',
    ]);
    assert.equal(strFromU8(files['rgd.yaml']), example('webapp', 'rgd'));
    assert.match(
      strFromU8(files['resources/02-service-default-my-awesome-app-service.yaml']),
      /^---\napiVersion: v1\nkind: Service/,
    );
  });

  test('no critical or serious accessibility violation (axe-core), light and dark', async (t) => {
    const axe = readFileSync(new URL('../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
    for (const colorScheme of ['light', 'dark']) {
      const page = await open(t, { colorScheme });
      await page.addScriptTag({ content: axe });
      const violations = await page.evaluate(async () => {
        const result = await window.axe.run(document, { resultTypes: ['violations'] });
        return result.violations
          .filter((v) => v.impact === 'critical' || v.impact === 'serious')
          .map(
            (v) =>
              `${v.impact} ${v.id}: ${v.nodes
                .map((n) => n.target.join(' '))
                .slice(0, 5)
                .join(', ')}`,
          );
      });
      assert.deepEqual(violations, [], `${colorScheme}: ${violations.join('\n')}`);
    }
  });

  test('first diagnostics after navigation, on a warm cache with the .wasm preloaded', async (t) => {
    const page = await open(t);
    assert.equal(await page.locator('link[rel=preload][type="application/wasm"]').count(), 1);
    const runs = [];
    for (let i = 0; i < 5; i++) {
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.firstChecked !== undefined);
      runs.push(Number(await page.evaluate(() => document.body.dataset.firstChecked)));
    }
    metrics.firstDiagnosticsMs = summary(runs);
  });
});
