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

const viewerText = (page) => page.locator('#viewer .cm-content').innerText();
const nodeIds = (page) => page.locator('.dag .node').evaluateAll((nodes) => nodes.map((n) => n.dataset.id));

async function showOutput(page, name) {
  await page.locator(`[data-out=${name}]`).click();
}

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
    const text = await page.evaluate(() => window.playground.get('rgd'));
    const at = text.indexOf('${deployment.spec.selector') + 4;
    const coords = await page.evaluate((offset) => {
      window.playground.cursor('rgd', offset);
      return window.playground.coords('rgd', offset);
    }, at);
    await page.mouse.move(coords.x, coords.y);
    const tooltip = page.locator('.cm-tooltip-hover');
    await tooltip.waitFor({ timeout: 10_000 });
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
});
