// The playground page: three editors, the engine in a worker, and the views it feeds (problems, graph,
// simulator, outputs). The page keeps one state object; every change updates it and calls render(), which
// draws every view from it. Nothing here decides kro's semantics: the engine's answers are shown as they are.
import type { Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { EditorView } from '@codemirror/view';
import type { Graph } from '@kro-rs/engine';
import { createEditor, createViewer, rangeToOffsets, replaceText, showDiagnostics } from './editor';
import { EngineClient } from './engine';
import { examples } from './examples';
import { GraphView, stateIcon, statesOf } from './graph-view';
import type { Analysis, Documents, Step } from './protocol';
import { outputText, type OutName } from './outputs';
import { problemsOf, type DocName, type Problem } from './problems';
import { decodeState, encodeState } from './share';
import { save, saved } from './storage';
import './style.css';

/** How long typing must pause before the engine runs: short enough to feel live, long enough to skip keystrokes. */
const DEBOUNCE_MS = 150;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Everything the views show, in one place. */
interface State {
  /** The newest analysis (its first part while the rest is computed). */
  analysis: Analysis | null;
  /** The graph and CRD of the last valid RGD, kept on screen (dimmed) while the RGD has errors. */
  lastGraph: Graph | null;
  lastCrd: string | null;
  /** The simulator's step, and whether it follows the last step as the documents change. */
  step: number;
  followLast: boolean;
  activeOut: OutName;
  /** Finished analyses, and what the engine's last one cost. */
  analyses: number;
  timings: Record<string, number>;
}

const state: State = {
  analysis: null,
  lastGraph: null,
  lastCrd: null,
  step: 0,
  followLast: true,
  activeOut: 'crd',
  analyses: 0,
  timings: {},
};

const engine = new EngineClient();
const graphView = new GraphView($('graph'));
const viewer = createViewer($('viewer'), 'Output');

let timer: number | undefined;
const schedule = () => {
  window.clearTimeout(timer);
  timer = window.setTimeout(analyzeNow, DEBOUNCE_MS);
};

const editors: Record<DocName, EditorView> = {
  rgd: createEditor($('editor-rgd'), '', 'RGD editor', {
    onChange: schedule,
    onSelection: (head) => selectNodeAt(head),
    engine,
    placeholder: 'A ResourceGraphDefinition (apiVersion: kro.run/v1alpha1), or pick an example above.',
  }),
  instance: createEditor($('editor-instance'), '', 'Instance editor', {
    onChange: schedule,
    placeholder:
      'An instance of the RGD’s new kind: apiVersion kro.run/v1alpha1, its kind, a metadata.name and a spec.',
  }),
  observed: createEditor($('editor-observed'), '', 'Observed objects editor', {
    onChange: schedule,
    placeholder:
      'Optional: objects as the cluster has them, as multi-document YAML (what an externalRef reads, or a Deployment with its status). The simulator assumes the rest exists with no status.',
  }),
};

const docs = (): Documents => ({
  rgd: editors.rgd.state.doc.toString(),
  instance: editors.instance.state.doc.toString(),
  observed: editors.observed.state.doc.toString(),
});

function analyzeNow() {
  window.clearTimeout(timer);
  engine.analyze(docs());
}

/** The step the simulator shows, kept inside the simulation. */
function currentStep(): Step | null {
  const steps = state.analysis?.steps ?? [];
  if (state.followLast) state.step = Math.max(0, steps.length - 1);
  state.step = Math.min(state.step, Math.max(0, steps.length - 1));
  return steps[state.step] ?? null;
}

/** Draws every view from the state. */
function render() {
  renderProblems();
  renderGraph();
  renderSimulator();
  renderOutput();
}

// ---------------------------------------------------------------------------------------------- documents

function setDocuments(next: Documents) {
  for (const name of ['rgd', 'instance', 'observed'] as const) {
    const view = editors[name];
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next[name] }, selection: { anchor: 0 } });
    view.scrollDOM.scrollTop = 0;
  }
  state.followLast = true;
  analyzeNow();
}

function showDoc(name: DocName, focus = false) {
  for (const tab of document.querySelectorAll<HTMLButtonElement>('[data-doc]')) {
    tab.setAttribute('aria-selected', String(tab.dataset.doc === name));
    tab.tabIndex = tab.dataset.doc === name ? 0 : -1;
  }
  for (const n of ['rgd', 'instance', 'observed'] as const) $(`editor-${n}`).hidden = n !== name;
  editors[name].requestMeasure();
  if (focus) editors[name].focus();
}

function reveal(name: DocName, from: number, to: number) {
  showDoc(name);
  const view = editors[name];
  view.dispatch({ selection: { anchor: from, head: to }, effects: EditorView.scrollIntoView(from, { y: 'center' }) });
  view.focus();
}

// ---------------------------------------------------------------------------------------------- problems

function toCm(p: Problem, view: EditorView): CmDiagnostic {
  // A zero-width range is widened to the next character so the underline can be seen.
  const to = p.to > p.from ? p.to : Math.min(view.state.doc.length, p.from + 1);
  return { from: p.from, to, severity: p.severity, message: p.message, source: p.code };
}

function renderProblems() {
  const a = state.analysis;
  if (!a) return;
  const problems = problemsOf(a, {
    rgd: editors.rgd.state.doc,
    instance: editors.instance.state.doc,
    observed: editors.observed.state.doc,
  });
  for (const name of ['rgd', 'instance', 'observed'] as const) {
    const view = editors[name];
    showDiagnostics(
      view,
      problems.filter((p) => p.doc === name).map((p) => toCm(p, view)),
    );
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const status = $('status');
  const parts: string[] = [];
  if (a.engineError) {
    status.dataset.level = 'error';
    parts.push(`The engine failed: ${a.engineError} — this is a kro-rs bug, not your document's fault.`);
  } else if (errors + warnings === 0) {
    status.dataset.level = 'ok';
    parts.push('✓ No problems');
  } else {
    status.dataset.level = errors ? 'error' : 'warning';
    parts.push(`${errors} error${errors === 1 ? '' : 's'} · ${warnings} warning${warnings === 1 ? '' : 's'}`);
  }
  const engineMs = Object.values(state.timings).reduce((sum, ms) => sum + ms, 0);
  if (engineMs > 0) {
    parts.push(`engine ${Math.max(1, Math.round(engineMs))} ms`);
    status.title = Object.entries(state.timings)
      .map(([name, ms]) => `${name}: ${ms.toFixed(1)} ms`)
      .join('\n');
  }
  status.textContent = parts.join(' · ');

  const list = $('problem-list');
  list.replaceChildren(
    ...problems.map((p) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = `problem ${p.severity}`;
      button.dataset.line = String(p.line);
      const icon = document.createElement('span');
      icon.className = 'sev';
      icon.textContent = p.severity === 'error' ? '✕' : '!';
      const where = document.createElement('span');
      where.className = 'where';
      where.textContent = `${p.doc === 'rgd' ? '' : p.doc + ' '}${p.line}`;
      const code = document.createElement('span');
      code.className = 'code';
      code.textContent = p.code;
      const msg = document.createElement('span');
      msg.className = 'msg';
      msg.textContent = p.message.split('\n')[0]!;
      button.append(icon, where, code, msg);
      button.title = p.message;
      button.addEventListener('click', () => reveal(p.doc, p.from, p.to));
      li.append(button);
      return li;
    }),
  );
}

// ---------------------------------------------------------------------------------------------- simulator

function renderSimulator() {
  const a = state.analysis;
  const steps = a?.steps ?? [];
  const total = steps.length;
  const current = currentStep();
  const graph = a?.graph ?? null;
  const stepLabel = $('sim-step');
  const pill = $('sim-state');
  const events = $('sim-events');
  for (const id of ['sim-first', 'sim-prev']) $<HTMLButtonElement>(id).disabled = !current || state.step === 0;
  for (const id of ['sim-next', 'sim-last']) $<HTMLButtonElement>(id).disabled = !current || state.step >= total - 1;
  if (!current || !graph) {
    stepLabel.textContent = 'no simulation';
    pill.textContent = '–';
    pill.dataset.state = '';
    const why = !a
      ? ''
      : a.engineError
        ? 'The engine failed.'
        : !a.graph
          ? 'Fix the RGD’s errors to simulate a reconcile.'
          : a.diagnostics.instance.some((d) => d.severity === 'error')
            ? 'The API server would refuse this instance: see the problems list.'
            : a.diagnostics.observed.length
              ? 'The observed objects cannot be read: see the problems list.'
              : (a.note ?? 'No simulation.');
    const li = document.createElement('li');
    li.className = 'note';
    li.textContent = why;
    events.replaceChildren(li);
    graphView.colour(null);
    return;
  }
  const plan = current.plan;
  stepLabel.textContent = `step ${state.step + 1} / ${total}`;
  pill.textContent = plan.state;
  pill.dataset.state = plan.state;
  const states = statesOf(plan);
  graphView.colour(states);
  const items = plan.nodes.map(({ id, state: nodeState }) => {
    const detailText = states.get(id)?.detail ?? '';
    const li = document.createElement('li');
    li.dataset.state = nodeState;
    const icon = document.createElement('span');
    icon.className = 'ev-icon';
    icon.textContent = stateIcon[nodeState];
    const name = document.createElement('b');
    name.textContent = id;
    const detail = document.createElement('span');
    detail.textContent = ` ${nodeState}${detailText ? ` — ${detailText}` : ''}`;
    li.append(icon, name, detail);
    return li;
  });
  if (state.step === total - 1 && a?.result && !a.result.active) {
    const li = document.createElement('li');
    li.dataset.state = 'failed';
    li.textContent = `Stuck: ${a.result.reason}`;
    items.push(li);
  }
  events.replaceChildren(...items);
}

function goToStep(next: number) {
  const total = state.analysis?.steps.length ?? 0;
  if (total === 0) return;
  state.step = Math.max(0, Math.min(total - 1, next));
  state.followLast = state.step === total - 1;
  render();
}

// ---------------------------------------------------------------------------------------------- outputs

function renderOutput() {
  for (const tab of document.querySelectorAll<HTMLButtonElement>('[data-out]')) {
    tab.setAttribute('aria-selected', String(tab.dataset.out === state.activeOut));
    tab.tabIndex = tab.dataset.out === state.activeOut ? 0 : -1;
  }
  const total = state.analysis?.steps.length ?? 0;
  replaceText(viewer, outputText(state.activeOut, state.analysis, currentStep(), state.step, total, state.lastCrd));
}

// ---------------------------------------------------------------------------------------------- graph

function renderGraph() {
  const note = $('graph-note');
  const graph = state.analysis?.graph ?? null;
  const host = $('graph');
  if (state.lastGraph) {
    graphView.show(state.lastGraph);
    host.classList.toggle('stale', !graph);
    note.textContent = graph
      ? state.lastGraph.resources.length === 0
        ? 'This RGD has no resources yet.'
        : ''
      : 'The RGD has errors: this is the graph of its last valid version.';
  } else {
    graphView.clear();
    host.classList.remove('stale');
    note.textContent = 'The graph appears here once the RGD is valid.';
  }
  note.hidden = note.textContent === '';
}

graphView.onSelect = (id) => {
  const resource = (state.analysis?.graph ?? state.lastGraph)?.resources.find((r) => r.id === id);
  graphView.select(id);
  if (resource?.range) {
    const { from, to } = rangeToOffsets(editors.rgd.state.doc, resource.range);
    reveal('rgd', from, to);
  }
};

/** Moving the cursor into a resource's template highlights its node. */
function selectNodeAt(head: number) {
  const graph = state.analysis?.graph ?? state.lastGraph;
  if (!graph) return;
  const doc = editors.rgd.state.doc;
  const hit = graph.resources.find((r) => {
    const { from, to } = rangeToOffsets(doc, r.range);
    return head >= from && head <= to;
  });
  graphView.select(hit?.id ?? null);
}

// ---------------------------------------------------------------------------------------------- wiring

/** Takes a (part of an) analysis into the state. */
function receive(analysis: Analysis) {
  state.analysis = analysis;
  state.timings = analysis.timings;
  if (analysis.graph) state.lastGraph = analysis.graph;
  if (analysis.crdYaml) state.lastCrd = analysis.crdYaml;
  document.body.dataset.compiles = String(analysis.compiles);
}

engine.onReady = (version) => {
  document.body.dataset.engine = version;
  $('status').textContent = `Engine ${version} ready`;
};
engine.onFailure = (message) => {
  const status = $('status');
  status.dataset.level = 'error';
  status.textContent = `The engine failed: ${message} — this is a kro-rs bug, not your document's fault.`;
};
engine.onChecked = (result, started) => {
  // Diagnostics and the graph first; the simulation and the outputs of the previous analysis stay on screen
  // until the new one lands.
  const previous = state.analysis;
  receive(
    previous
      ? {
          ...previous,
          diagnostics: result.diagnostics,
          graph: result.graph,
          engineError: null,
          timings: result.timings,
          compiles: result.compiles,
        }
      : result,
  );
  render();
  performance.measure('kro:checked', { start: started, end: performance.now() });
};
engine.onAnalysis = (result, analysed, started) => {
  receive(result);
  render();
  // The tests read this measure: from the request (right after the debounce) to every view updated.
  performance.measure('kro:rerender', { start: started, end: performance.now() });
  state.analyses += 1;
  document.body.dataset.analyses = String(state.analyses);
  save(analysed);
};

for (const tab of document.querySelectorAll<HTMLButtonElement>('[data-doc]')) {
  tab.addEventListener('click', () => showDoc(tab.dataset.doc as DocName, true));
}
for (const tab of document.querySelectorAll<HTMLButtonElement>('[data-out]')) {
  tab.addEventListener('click', () => {
    state.activeOut = tab.dataset.out as OutName;
    render();
  });
}
// Arrow keys move between the tabs of a tab list, as WAI-ARIA's tabs pattern has it.
for (const list of document.querySelectorAll<HTMLElement>('[role=tablist]')) {
  list.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const tabs = [...list.querySelectorAll<HTMLButtonElement>('[role=tab]')];
    const index = tabs.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    const next = tabs[(index + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length]!;
    next.focus();
    next.click();
    if (next.dataset.doc) next.focus();
  });
}

$('sim-first').addEventListener('click', () => goToStep(0));
$('sim-prev').addEventListener('click', () => goToStep(state.step - 1));
$('sim-next').addEventListener('click', () => goToStep(state.step + 1));
$('sim-last').addEventListener('click', () => goToStep(Infinity));
// Alt+arrows step the simulator, except inside an editor (where they move by syntax) and when there is nothing
// to step (the browser's own Alt+arrow, history navigation, is then left alone).
document.addEventListener('keydown', (event) => {
  if (!event.altKey || event.defaultPrevented || (event.target as Element | null)?.closest?.('.cm-editor')) return;
  if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
  if (!state.analysis?.steps.length) return;
  goToStep(event.key === 'ArrowLeft' ? state.step - 1 : state.step + 1);
  event.preventDefault();
});

const toast = (text: string) => {
  const el = $('toast');
  el.textContent = text;
  el.classList.add('shown');
  window.setTimeout(() => el.classList.remove('shown'), 2200);
};

async function copy(text: string, what: string) {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied`);
  } catch {
    toast(`Could not reach the clipboard; select the text and copy it instead`);
  }
}

$('copy').addEventListener('click', () => void copy(viewer.state.doc.toString(), 'YAML'));
$('download').addEventListener('click', () => {
  const blob = new Blob([viewer.state.doc.toString()], { type: 'application/yaml' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${state.activeOut === 'status' ? 'instance-status' : state.activeOut}.yaml`;
  a.click();
  window.setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});

$('share').addEventListener('click', () => {
  history.replaceState(null, '', encodeState(docs()));
  void copy(location.href, 'Link');
});

// Theme: the system's by default; the button cycles system → light → dark and remembers the choice.
const themes = ['system', 'light', 'dark'] as const;
function applyTheme(theme: (typeof themes)[number]) {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  $('theme').title = `Theme: ${theme} (click to change)`;
}
const storedTheme = (() => {
  try {
    return localStorage.getItem('kro-theme');
  } catch {
    return null;
  }
})();
let theme: (typeof themes)[number] = themes.find((t) => t === storedTheme) ?? 'system';
applyTheme(theme);
$('theme').addEventListener('click', () => {
  theme = themes[(themes.indexOf(theme) + 1) % themes.length]!;
  try {
    localStorage.setItem('kro-theme', theme);
  } catch {
    // Storage disabled: the choice lasts until the page is closed.
  }
  applyTheme(theme);
  toast(`Theme: ${theme}`);
});

const select = $<HTMLSelectElement>('examples');
for (const example of examples) {
  const option = document.createElement('option');
  option.value = example.name;
  option.textContent = example.name;
  option.title = example.title;
  select.append(option);
}
const custom = document.createElement('option');
custom.value = '';
custom.textContent = '(your own)';
custom.hidden = true;
select.append(custom);
select.addEventListener('change', () => {
  const example = examples.find((e) => e.name === select.value);
  if (!example) return;
  history.replaceState(null, '', location.pathname + location.search);
  setDocuments(example);
});

function loadFromLocation() {
  const restored = decodeState(location.hash) ?? saved();
  if (restored) {
    const same = examples.find(
      (e) => e.rgd === restored.rgd && e.instance === restored.instance && e.observed === restored.observed,
    );
    select.value = same?.name ?? '';
    setDocuments(restored);
    return;
  }
  const first = examples[0];
  if (first) {
    select.value = first.name;
    setDocuments(first);
  }
}
window.addEventListener('hashchange', loadFromLocation);
loadFromLocation();
showDoc('rgd');
render();

/**
 * A small handle for scripts and the browser tests: read and replace a document as a user's edit would
 * (the change goes through the same debounce), and place the cursor.
 */
declare global {
  interface Window {
    playground: {
      get(name: DocName): string;
      set(name: DocName, text: string): void;
      cursor(name: DocName, offset: number): void;
      /** Where a character of a document is on screen (null when it is scrolled out of view). */
      coords(name: DocName, offset: number): { x: number; y: number } | null;
    };
  }
}
window.playground = {
  get: (name) => editors[name].state.doc.toString(),
  set: (name, text) => {
    const view = editors[name];
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  },
  cursor: (name, offset) => {
    showDoc(name);
    const view = editors[name];
    view.dispatch({ selection: { anchor: offset }, effects: EditorView.scrollIntoView(offset, { y: 'center' }) });
    view.focus();
  },
  coords: (name, offset) => {
    const rect = editors[name].coordsAtPos(offset);
    return rect ? { x: (rect.left + rect.right) / 2, y: (rect.top + rect.bottom) / 2 } : null;
  },
};
