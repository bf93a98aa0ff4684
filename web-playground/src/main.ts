// The playground page: four editors, the engine in a worker, and the views it feeds (problems, graph,
// simulator, outputs, the instance form). The page keeps one state object; every change updates it and calls
// render(), which draws every view from it. Nothing here decides kro's semantics: the engine's answers are
// shown as they are.
import type { Diagnostic as CmDiagnostic } from '@codemirror/lint';
import type { Text } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import type { Graph, SimulatedEvent } from '@kro-rs/engine';
import {
  createEditor,
  createViewer,
  rangeToOffsets,
  replaceText,
  showDiagnostics,
  showInlineValues,
  type ShownValue,
} from './editor';
import { EngineClient } from './engine';
import { examples } from './examples';
import { documents, zip } from './export';
import { renderForm, specSchema, withValue } from './form';
import { GraphView, stateIcon, statesOf } from './graph-view';
import { outNames, outputText, type OutName } from './outputs';
import { problemsOf, type Problem } from './problems';
import { docNames, type Analysis, type DocName, type Documents, type StepAnswer, type Wanted } from './protocol';
import { decodeState, encodeState } from './share';
import { save, saved } from './storage';
import { shownValues, valueAt } from './values';
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
  /** The simulator's step (1-based), and whether it follows the last step as the documents change. */
  step: number;
  followLast: boolean;
  /** The step shown whole (its plan, YAML and the values of the expressions there). */
  shown: StepAnswer;
  /** The values of the expressions inline in the RGD editor. */
  showValues: boolean;
  /** What the user makes happen in the simulated cluster. */
  events: SimulatedEvent[];
  activeOut: OutName;
  activeDoc: DocName;
  /** The Instance tab shows the form instead of the YAML. */
  form: boolean;
  /** The kept version of the RGD, for the Compare tab. */
  baseline: string | null;
  /** Finished analyses, and what the engine's last one cost. */
  analyses: number;
  timings: Record<string, number>;
}

const state: State = {
  analysis: null,
  lastGraph: null,
  lastCrd: null,
  step: 1,
  followLast: true,
  shown: { detail: null, values: null },
  showValues: false,
  events: [],
  activeOut: 'crd',
  activeDoc: 'rgd',
  form: false,
  baseline: null,
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

/** The values at the shown step, placed in the RGD text (recomputed when either changes). */
let placed: { values: unknown; text: unknown; shown: ShownValue[] } = { values: null, text: null, shown: [] };
function currentValues(): ShownValue[] {
  const values = state.shown.values;
  const text = editors.rgd.state.doc;
  if (placed.values !== values || placed.text !== text) {
    placed = { values, text, shown: values ? shownValues(values, text) : [] };
  }
  return placed.shown;
}

const onEdit = (doc: DocName) => () => {
  if (doc === 'instance' && state.form) renderForm_();
  markCustom();
  schedule();
};

const editors: Record<DocName, EditorView> = {
  rgd: createEditor($('editor-rgd'), '', 'RGD editor', {
    doc: 'rgd',
    onChange: onEdit('rgd'),
    onSelection: (head) => selectNodeAt(head),
    engine,
    valueAt: async (pos) => {
      // Values are made when first asked for at a step (a hover), or with every step while they are shown.
      if (!state.shown.values && state.shown.detail) await fetchStep(true);
      const found = state.shown.values ? valueAt(currentValues(), pos) : null;
      return found && { ...found, step: state.shown.detail?.step };
    },
    placeholder: 'A ResourceGraphDefinition (apiVersion: kro.run/v1alpha1), or pick an example above.',
  }),
  instance: createEditor($('editor-instance-yaml'), '', 'Instance editor', {
    doc: 'instance',
    onChange: onEdit('instance'),
    engine,
    placeholder:
      'An instance of the RGD’s new kind: apiVersion kro.run/v1alpha1, its kind, a metadata.name and a spec.',
  }),
  observed: createEditor($('editor-observed'), '', 'Observed objects editor', {
    doc: 'observed',
    onChange: onEdit('observed'),
    engine,
    placeholder:
      'Optional: objects as the cluster has them, as multi-document YAML (what an externalRef reads, or a Deployment with its status). The simulator assumes the rest exists with no status.',
  }),
  crds: createEditor($('editor-crds'), '', 'CRDs editor', {
    doc: 'crds',
    onChange: onEdit('crds'),
    engine,
    placeholder:
      'Optional: CustomResourceDefinitions (multi-document YAML) whose kinds the RGD uses, such as cert-manager’s Certificate: their schemas check the templates and the expressions that read them.',
  }),
};

const docs = (): Documents => ({
  rgd: editors.rgd.state.doc.toString(),
  instance: editors.instance.state.doc.toString(),
  observed: editors.observed.state.doc.toString(),
  crds: editors.crds.state.doc.toString(),
});

const wanted = (): Wanted => ({
  step: state.followLast ? 'last' : state.step,
  values: state.showValues,
  events: state.events,
  baseline: state.activeOut === 'compare' ? state.baseline : null,
});

function analyzeNow() {
  window.clearTimeout(timer);
  engine.analyze(docs(), wanted());
}

/** Draws every view from the state. */
function render() {
  renderProblems();
  renderGraph();
  renderSimulator();
  renderOutput();
  renderValues();
  if (state.form) renderForm_();
}

// ---------------------------------------------------------------------------------------------- documents

/** Documents being replaced as a whole (an example, a link): not an edit of the user's. */
let replacing = false;

function setDocuments(next: Documents) {
  replacing = true;
  for (const name of docNames) {
    const view = editors[name];
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next[name] }, selection: { anchor: 0 } });
    view.scrollDOM.scrollTop = 0;
  }
  replacing = false;
  state.followLast = true;
  state.events = [];
  state.baseline = null;
  analyzeNow();
}

function showDoc(name: DocName, focus = false) {
  state.activeDoc = name;
  for (const tab of document.querySelectorAll<HTMLButtonElement>('[data-doc]')) {
    tab.setAttribute('aria-selected', String(tab.dataset.doc === name));
    tab.tabIndex = tab.dataset.doc === name ? 0 : -1;
  }
  for (const n of docNames) $(`editor-${n}`).hidden = n !== name;
  for (const tools of document.querySelectorAll<HTMLElement>('[class^=doc-tools-]')) {
    tools.hidden = !tools.classList.contains(`doc-tools-${name}`);
  }
  editors[name].requestMeasure();
  if (focus) editors[name].focus();
}

function reveal(name: DocName, from: number, to: number) {
  if (name === 'instance' && state.form) toggleForm(false);
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
  const texts = Object.fromEntries(docNames.map((n) => [n, editors[n].state.doc])) as Record<DocName, Text>;
  const problems = problemsOf(a, texts, a.graph ?? state.lastGraph);
  for (const name of docNames) {
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
  // The whole analysis, as the worker timed it (every part of it, not the last one).
  const total = state.timings.total;
  if (total !== undefined) {
    parts.push(`engine ${Math.max(1, Math.round(total))} ms`);
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
      button.dataset.doc = p.doc;
      const icon = document.createElement('span');
      icon.className = 'sev';
      icon.textContent = p.severity === 'error' ? '✕' : '!';
      icon.setAttribute('aria-label', p.severity);
      const where = document.createElement('span');
      where.className = 'where';
      where.textContent = `${p.doc === 'rgd' ? '' : p.doc + ' '}${p.line}`;
      const code = document.createElement('span');
      code.className = 'code';
      code.textContent = p.code;
      // The whole message, wrapped: nothing is cut or left to a tooltip.
      const msg = document.createElement('span');
      msg.className = 'msg';
      msg.textContent = p.message;
      button.append(icon, where, code, msg);
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
  const current = steps[state.step - 1] ?? null;
  const graph = a?.graph ?? null;
  const stepLabel = $('sim-step');
  const pill = $('sim-state');
  const events = $('sim-events');
  for (const id of ['sim-first', 'sim-prev']) $<HTMLButtonElement>(id).disabled = !current || state.step <= 1;
  for (const id of ['sim-next', 'sim-last']) $<HTMLButtonElement>(id).disabled = !current || state.step >= total;
  renderWhatIfs();
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
  stepLabel.textContent = `step ${state.step} / ${total}`;
  pill.textContent = current.state;
  pill.dataset.state = current.state;
  const states = statesOf(current);
  graphView.colour(states);
  const external = new Set(graph.resources.filter((r) => r.external).map((r) => r.id));
  const items = current.nodes.map(({ id, state: nodeState }) => {
    const detailText = states.get(id)?.detail ?? '';
    const li = document.createElement('li');
    li.dataset.state = nodeState;
    li.dataset.id = id;
    const icon = document.createElement('span');
    icon.className = 'ev-icon';
    icon.textContent = stateIcon[nodeState];
    icon.setAttribute('aria-hidden', 'true');
    const name = document.createElement('b');
    name.textContent = id;
    const detail = document.createElement('span');
    detail.className = 'ev-detail';
    detail.textContent = ` ${nodeState}${detailText ? ` — ${detailText}` : ''}`;
    const actions = document.createElement('span');
    actions.className = 'ev-actions';
    if (external.has(id))
      actions.append(action('Edit what it reads', `Edit the object ${id} reads`, () => editExternal(id)));
    if (!state.events.some((e) => e.id === id)) {
      actions.append(
        action('Not ready', `Make ${id} never ready from step ${state.step}`, () => addEvent(id, 'notReady')),
        action('Fail', `Make the API server refuse ${id} from step ${state.step}`, () => addEvent(id, 'failed')),
      );
    }
    li.append(icon, name, detail, actions);
    return li;
  });
  if (state.step === total && a?.result && !a.result.active) {
    const li = document.createElement('li');
    li.dataset.state = 'failed';
    li.className = 'outcome';
    li.textContent = a.result.cause === 'stepCap' ? `Not ACTIVE: ${a.result.reason}` : `Stuck: ${a.result.reason}`;
    items.push(li);
  }
  events.replaceChildren(...items);
}

function action(text: string, label: string, run: () => void): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'small ev-action';
  button.textContent = text;
  button.setAttribute('aria-label', label);
  button.title = label;
  button.addEventListener('click', run);
  return button;
}

function renderWhatIfs() {
  const list = $('sim-whatifs');
  list.replaceChildren(
    ...state.events.map((event, i) => {
      const li = document.createElement('li');
      const what = event.effect === 'notReady' ? 'never ready' : `refused: ${event.message ?? ''}`;
      li.textContent = `${event.id} ${what} from step ${event.fromStep} `;
      li.append(
        action('Undo', `Undo: ${event.id} ${what}`, () => {
          state.events.splice(i, 1);
          analyzeNow();
        }),
      );
      return li;
    }),
  );
  list.hidden = state.events.length === 0;
}

function addEvent(id: string, effect: 'notReady' | 'failed') {
  state.events.push(
    effect === 'notReady'
      ? { id, fromStep: state.step, effect }
      : { id, fromStep: state.step, effect, message: 'refused by the API server (in the simulation)' },
  );
  state.followLast = true;
  analyzeNow();
}

/** Opens the Observed document at the object an external reference reads, adding it when it is missing. */
function editExternal(id: string) {
  const read = state.shown.detail?.reads.find((r) => r.id === id);
  const view = editors.observed;
  const text = view.state.doc.toString();
  showDoc('observed', true);
  if (!read?.name) return;
  const marker = `name: ${read.name}`;
  let at = text.indexOf(marker);
  if (at < 0) {
    const stub = [
      `apiVersion: ${read.apiVersion}`,
      `kind: ${read.kind}`,
      'metadata:',
      `  name: ${read.name}`,
      ...(read.namespace ? [`  namespace: ${read.namespace}`] : []),
      ...(read.kind === 'ConfigMap' || read.kind === 'Secret' ? ['data: {}'] : ['spec: {}']),
      '',
    ].join('\n');
    const prefix = text.trim() ? `${text.replace(/\n*$/, '\n')}---\n` : '';
    view.dispatch({ changes: { from: 0, to: text.length, insert: prefix + stub } });
    at = prefix.length + stub.indexOf(marker);
  }
  view.dispatch({
    selection: { anchor: at, head: at + marker.length },
    effects: EditorView.scrollIntoView(at, { y: 'center' }),
  });
}

/** Moves the simulator to step `next` (1-based) and asks for that step whole. */
function goToStep(next: number) {
  const total = state.analysis?.steps.length ?? 0;
  if (total === 0) return;
  state.step = Math.max(1, Math.min(total, next));
  state.followLast = state.step === total;
  render();
  void fetchStep();
}

let stepRequest = 0;
async function fetchStep(values = wanted().values) {
  const mine = ++stepRequest;
  const answer = await engine.step(state.step, values, state.events);
  if (mine !== stepRequest || engine.busy) return;
  state.shown = answer;
  render();
  document.body.dataset.shownStep = String(answer.detail?.step ?? '');
}

// ---------------------------------------------------------------------------------------------- values

function renderValues() {
  const values = state.showValues ? currentValues() : [];
  showInlineValues(editors.rgd, values);
  $('editor-rgd').classList.toggle('with-values', state.showValues);
}

// ---------------------------------------------------------------------------------------------- outputs

function renderOutput() {
  for (const tab of document.querySelectorAll<HTMLButtonElement>('[data-out]')) {
    tab.setAttribute('aria-selected', String(tab.dataset.out === state.activeOut));
    tab.tabIndex = tab.dataset.out === state.activeOut ? 0 : -1;
  }
  $('viewer').setAttribute('aria-labelledby', `out-${state.activeOut}`);
  const total = state.analysis?.steps.length ?? 0;
  replaceText(
    viewer,
    outputText(state.activeOut, state.analysis, state.shown.detail, total, state.lastCrd, state.baseline !== null),
  );
  const breaking = $('breaking');
  const changes = state.activeOut === 'compare' ? (state.analysis?.comparison?.breaking ?? []) : [];
  breaking.hidden = changes.length === 0;
  breaking.replaceChildren(
    ...changes.map((c) => {
      const p = document.createElement('p');
      p.textContent = `Breaking: ${c.path}: ${c.message}`;
      return p;
    }),
  );
}

// ---------------------------------------------------------------------------------------------- graph

/** The cycles the RGD's diagnostics name: the engine's `cycle` finding lists one as `a -> b -> a`. */
function cyclesOf(analysis: Analysis | null): string[][] {
  return (analysis?.diagnostics.rgd ?? [])
    .filter((d) => d.code === 'cycle')
    .map((d) => /: ((?:[\w-]+ -> )+[\w-]+)/.exec(d.message)?.[1]?.split(' -> ').slice(0, -1) ?? [])
    .filter((c) => c.length > 0);
}

function renderGraph() {
  const note = $('graph-note');
  const graph = state.analysis?.graph ?? null;
  const host = $('graph');
  const cycles = cyclesOf(state.analysis);
  if (state.lastGraph) {
    graphView.show(state.lastGraph);
    graphView.showCycles(graph ? [] : cycles);
    host.classList.toggle('stale', !graph);
    note.textContent = graph
      ? state.lastGraph.resources.length === 0
        ? 'This RGD has no resources yet.'
        : ''
      : cycles.length
        ? `The RGD has a cycle (${cycles.map((c) => [...c, c[0]].join(' → ')).join('; ')}), drawn in red on its last valid graph.`
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

// ---------------------------------------------------------------------------------------------- instance form

function renderForm_() {
  const a = state.analysis;
  renderForm(
    $<HTMLFormElement>('instance-form'),
    specSchema(a?.crd ?? null),
    editors.instance.state.doc.toString(),
    a?.diagnostics.instance ?? [],
    (path, value) => {
      const view = editors.instance;
      const text = view.state.doc.toString();
      const next = withValue(text, path, value);
      if (next === null || next === text) return;
      view.dispatch({ changes: { from: 0, to: text.length, insert: next } });
    },
  );
}

function toggleForm(on = !state.form) {
  state.form = on;
  const button = $('instance-form-toggle');
  button.setAttribute('aria-pressed', String(on));
  button.textContent = on ? 'YAML' : 'Form';
  $('instance-form').hidden = !on;
  $('editor-instance-yaml').hidden = on;
  if (on) renderForm_();
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
          diagnostics: { ...previous.diagnostics, rgd: result.diagnostics.rgd, crds: result.diagnostics.crds },
          graph: result.graph,
          engineError: null,
          timings: result.timings,
          compiles: result.compiles,
        }
      : result,
  );
  render();
  performance.measure('kro:checked', { start: started, end: performance.now() });
  // From the navigation's start to the first diagnostics on screen (the tests report it).
  document.body.dataset.firstChecked ??= String(Math.round(performance.now()));
};
engine.onAnalysis = (result, analysed, started) => {
  receive(result);
  const total = result.steps.length;
  state.step = state.followLast ? total : Math.max(1, Math.min(state.step, total));
  state.shown = { detail: result.detail, values: result.values };
  render();
  // The simulator moved while the analysis ran: the step shown is asked for again.
  if (result.detail && result.detail.step !== state.step) void fetchStep();
  // The tests read this measure: from the request (right after the debounce) to every view updated.
  performance.measure('kro:rerender', { start: started, end: performance.now() });
  state.analyses += 1;
  document.body.dataset.analyses = String(state.analyses);
  document.body.dataset.shownStep = String(result.detail?.step ?? '');
  save(analysed);
};

for (const tab of document.querySelectorAll<HTMLButtonElement>('[data-doc]')) {
  tab.addEventListener('click', () => showDoc(tab.dataset.doc as DocName, true));
}
for (const tab of document.querySelectorAll<HTMLButtonElement>('[data-out]')) {
  tab.addEventListener('click', () => {
    const was = state.activeOut;
    state.activeOut = tab.dataset.out as OutName;
    render();
    if (state.activeOut === 'compare' && was !== 'compare') analyzeNow();
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

$('sim-first').addEventListener('click', () => goToStep(1));
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

$<HTMLInputElement>('values-toggle').addEventListener('change', (event) => {
  state.showValues = (event.target as HTMLInputElement).checked;
  if (state.showValues && !state.shown.values) void fetchStep();
  render();
});
$('instance-form-toggle').addEventListener('click', () => toggleForm());
$('keep-version').addEventListener('click', () => {
  state.baseline = editors.rgd.state.doc.toString();
  toast('This version is kept: the Compare tab shows what later edits change');
  if (state.activeOut === 'compare') analyzeNow();
  else render();
});

const search = $<HTMLInputElement>('graph-search');
search.addEventListener('input', () => {
  const found = graphView.find(search.value);
  search.setAttribute('aria-invalid', String(search.value.trim() !== '' && found.length === 0));
});
search.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter') return;
  // The Enter that jumps to the template must not reach the editor, where it would replace the selection.
  event.preventDefault();
  const [first] = graphView.find(search.value);
  if (first) graphView.onSelect(first);
});
$('zoom-in').addEventListener('click', () => graphView.zoomBy(1.25));
$('zoom-out').addEventListener('click', () => graphView.zoomBy(0.8));
$('zoom-fit').addEventListener('click', () => graphView.fitAll());

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

function download(blob: Blob, name: string) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  window.setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

$('copy').addEventListener('click', () => void copy(viewer.state.doc.toString(), 'YAML'));
$('download').addEventListener('click', () => {
  const name = {
    crd: 'crd.yaml',
    resources: 'resources.yaml',
    status: 'instance-status.yaml',
    compare: 'compare.diff',
  };
  download(new Blob([viewer.state.doc.toString()], { type: 'application/yaml' }), name[state.activeOut]);
});
$('export').addEventListener('click', async () => {
  // The resources of the simulation's last step: everything the instance applies.
  const total = state.analysis?.steps.length ?? 0;
  const last = total ? await engine.step(total, false, state.events) : null;
  const plan = last?.detail?.plan;
  const yamls = last?.detail ? documents(last.detail.resourcesYaml) : [];
  const current = docs();
  const blob = zip({
    rgd: current.rgd,
    crd: state.analysis?.crdYaml ?? null,
    instance: current.instance,
    resources: (plan?.resources ?? []).map((object, i) => ({ object, yaml: yamls[i] ?? '' })),
  });
  const name = String(
    (state.analysis?.crd?.spec as { names?: { plural?: string } } | undefined)?.names?.plural ?? 'rgd',
  );
  download(blob, `${name}.zip`);
});

$('share').addEventListener('click', () => {
  const step = state.followLast ? undefined : state.step;
  history.replaceState(null, '', encodeState({ docs: docs(), tab: state.activeOut, step }));
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

/** The picker names an example only while the documents are that example's. */
function markCustom() {
  if (replacing) return;
  const example = examples.find((e) => e.name === select.value);
  if (!example) return;
  const current = docs();
  if (docNames.some((n) => current[n] !== example[n])) select.value = '';
}

function loadFromLocation() {
  const shared = decodeState(location.hash);
  if (shared) {
    // The link has done its work once its state is loaded: from now on the edits, kept in this browser, are
    // what a reload restores, not the link's original.
    history.replaceState(null, '', location.pathname + location.search);
    if (shared.tab && (outNames as string[]).includes(shared.tab)) state.activeOut = shared.tab as OutName;
    if (shared.step) {
      state.step = shared.step;
    }
  }
  const restored = shared?.docs ?? saved();
  if (restored) {
    const same = examples.find((e) => docNames.every((n) => e[n] === restored[n]));
    select.value = same?.name ?? '';
    setDocuments(restored);
    if (shared?.step) {
      state.followLast = false;
      analyzeNow();
    }
    return;
  }
  const first = examples[0];
  if (first) {
    select.value = first.name;
    setDocuments(first);
  }
}
window.addEventListener('hashchange', () => {
  if (location.hash) loadFromLocation();
});
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
      /** The whole text of the output viewer. */
      output(): string;
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
  output: () => viewer.state.doc.toString(),
};
