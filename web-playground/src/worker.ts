// The engine's Web Worker: one Workspace holding the RGD, the instance, the observed objects and the CRDs. Each
// edit sets the documents and asks the workspace what the page shows; the RGD is compiled once per change,
// whatever is asked, and not at all when only the instance changed. The simulation is made once per change
// too: the page gets a summary of every step and the one step it shows whole, and asks for another step (or
// the values of the expressions there) without the engine simulating again. The engine decides; this only
// gathers its answers.
import init, {
  breakingChanges,
  toYaml,
  version,
  Workspace,
  type KubernetesObject,
  type PlanOptions,
} from '@kro-rs/engine';
import type { Analysis, Comparison, Documents, Request, Response, StepAnswer, StepDetail, Wanted } from './protocol';

const post = (message: Response) => (self as unknown as Worker).postMessage(message);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs `step`, recording its time. */
function timed<T>(timings: Record<string, number>, name: string, step: () => T): T {
  const start = performance.now();
  try {
    return step();
  } finally {
    timings[name] = (timings[name] ?? 0) + performance.now() - start;
  }
}

let workspace: Workspace | null = null;
/** The previous version of the RGD, with the same instance, observed objects and CRDs, for the Compare tab. */
let baseline: Workspace | null = null;
const request = { rgd: 'rgd', instance: 'instance', observed: 'observed' } as const;
const kinds = { rgd: 'rgds', instance: 'instance', observed: 'observed', crds: 'crds' } as const;

const emptyAnalysis = (): Analysis => ({
  diagnostics: { rgd: [], instance: [], observed: [], crds: [] },
  graph: null,
  crdYaml: null,
  crd: null,
  steps: [],
  result: null,
  detail: null,
  values: null,
  comparison: null,
  note: null,
  engineError: null,
  timings: {},
  compiles: workspace?.compiles() ?? 0,
});

function setDocuments(ws: Workspace, docs: Documents) {
  for (const name of ['rgd', 'instance', 'observed', 'crds'] as const) ws.set(name, kinds[name], docs[name]);
}

/** Step `n` (1-based) of the workspace's simulation, whole, and the values there when asked. */
function stepOf(ws: Workspace, n: number, options: PlanOptions, values: boolean): StepAnswer {
  const found = ws.step(request, n, options);
  if (found.type !== 'step') return { detail: null, values: null };
  const plan = found.plan;
  const detail: StepDetail = {
    step: found.step,
    plan,
    resourcesYaml: found.yaml,
    statusYaml: toYaml({ status: { state: plan.state, ...plan.status } }),
    reads: found.reads,
  };
  const valued = values ? ws.values(request, n, options) : null;
  return { detail, values: valued?.type === 'values' ? valued.values : null };
}

/** What the last step of `ws`'s simulation applies, as YAML, or why there is nothing. */
function lastResources(ws: Workspace, options: PlanOptions): { yaml: string | null; why: string | null } {
  const summary = ws.simulation(request, options);
  if (summary.type !== 'simulation') return { yaml: null, why: summary.type };
  const last = ws.step(request, summary.steps.length, options);
  return last.type === 'step' ? { yaml: last.yaml, why: null } : { yaml: null, why: 'no step' };
}

function compare(ws: Workspace, docs: Documents, previous: string, options: PlanOptions): Comparison {
  const base = (baseline ??= new Workspace());
  setDocuments(base, { ...docs, rgd: previous });
  const before = base.crds('rgd');
  const after = ws.crds('rgd');
  const first = (crds: KubernetesObject[]) => crds[0] ?? null;
  const beforeCrd = before.type === 'crds' ? first(before.crds) : null;
  const afterCrd = after.type === 'crds' ? first(after.crds) : null;
  const was = lastResources(base, options);
  const is = lastResources(ws, options);
  const notes = [
    beforeCrd ? '' : 'The previous version has errors: it has no CRD.',
    afterCrd ? '' : 'The current version has errors: it has no CRD.',
    was.why && beforeCrd ? `The previous version renders nothing for this instance (${was.why}).` : '',
    is.why && afterCrd ? `The current version renders nothing for this instance (${is.why}).` : '',
  ].filter(Boolean);
  return {
    baselineCrdYaml: before.type === 'crds' ? before.yaml : null,
    crdYaml: after.type === 'crds' ? after.yaml : null,
    breaking: beforeCrd && afterCrd ? breakingChanges(beforeCrd, afterCrd) : [],
    baselineResourcesYaml: was.yaml,
    resourcesYaml: is.yaml,
    note: notes.length ? notes.join(' ') : null,
  };
}

function analyze(id: number, docs: Documents, wanted: Wanted): Analysis {
  const start = performance.now();
  const ws = (workspace ??= new Workspace());
  const result = emptyAnalysis();
  const timings = result.timings;
  const options: PlanOptions = { events: wanted.events };
  setDocuments(ws, docs);
  result.diagnostics.rgd = timed(timings, 'check', () => ws.diagnostics('rgd'));
  result.diagnostics.crds = timed(timings, 'check', () => ws.diagnostics('crds'));
  const graph = timed(timings, 'graph', () => ws.graph('rgd'));
  // The playground edits one RGD; with several, the first one is drawn.
  result.graph = graph.type === 'graphs' ? (graph.graphs[0] ?? null) : null;
  post({
    kind: 'checked',
    id,
    analysis: { ...result, compiles: ws.compiles(), timings: { ...timings, total: performance.now() - start } },
  });
  const crds = timed(timings, 'crd', () => ws.crds('rgd'));
  result.crdYaml = crds.type === 'crds' ? crds.yaml : null;
  result.crd = crds.type === 'crds' ? (crds.crds[0] ?? null) : null;
  const simulated = timed(timings, 'simulate', () => ws.simulation(request, options));
  switch (simulated.type) {
    case 'simulation': {
      result.steps = simulated.steps;
      result.result = simulated.result;
      const total = simulated.steps.length;
      const n = wanted.step === 'last' ? total : Math.max(1, Math.min(total, wanted.step));
      const answer = timed(timings, 'step', () => stepOf(ws, n, options, wanted.values));
      result.detail = answer.detail;
      result.values = answer.values;
      // Warnings about the instance (what the API server would ignore) are shown even when it is accepted.
      result.diagnostics.instance = ws.diagnostics('instance');
      break;
    }
    case 'invalidInstance':
      result.diagnostics.instance = simulated.diagnostics;
      break;
    case 'invalidObserved':
      result.diagnostics.observed = simulated.diagnostics;
      break;
    case 'emptyInstance':
      result.note = 'Write an instance in the Instance tab to see what it renders to.';
      break;
    case 'notOneRgd':
      result.note = `The RGD text holds ${simulated.found} RGDs; the simulator plans against exactly one.`;
      break;
    case 'invalidRgd':
    case 'noSuchDocument':
      // The RGD's own diagnostics say why.
      break;
  }
  if (wanted.baseline !== null) {
    result.comparison = timed(timings, 'compare', () => compare(ws, docs, wanted.baseline!, options));
  }
  result.compiles = ws.compiles();
  timings.total = performance.now() - start;
  return result;
}

function answer(request: Exclude<Request, { kind: 'init' }>): Response {
  const ws = (workspace ??= new Workspace());
  switch (request.kind) {
    case 'analyze':
      return { kind: 'analyze', id: request.id, analysis: analyze(request.id, request.docs, request.wanted) };
    case 'step':
      return {
        kind: 'step',
        id: request.id,
        answer: stepOf(ws, request.step, { events: request.events }, request.values),
      };
    case 'complete':
      ws.set(request.doc, kinds[request.doc], request.text);
      return { kind: 'complete', id: request.id, items: ws.complete(request.doc, request.position) };
    case 'hover':
      ws.set(request.doc, kinds[request.doc], request.text);
      return { kind: 'hover', id: request.id, hover: ws.hover(request.doc, request.position) };
    case 'definition':
      ws.set(request.doc, kinds[request.doc], request.text);
      return { kind: 'definition', id: request.id, definition: ws.definition(request.doc, request.position) };
  }
}

let received: (module: WebAssembly.Module) => void = () => {};
const compiled = new Promise<WebAssembly.Module>((resolve) => (received = resolve));
const ready = compiled
  .then((module) => init({ module_or_path: module }))
  .then(
    () => post({ kind: 'ready', version: version() }),
    (error: unknown) => post({ kind: 'failed', message: message(error) }),
  );

self.onmessage = async (event: MessageEvent<Request>) => {
  const request = event.data;
  if (request.kind === 'init') return received(request.module);
  await ready;
  try {
    post(answer(request));
  } catch (error) {
    // Editor services are best-effort: an exception answers "nothing here" rather than leaving the editor waiting.
    if (request.kind === 'complete') post({ kind: 'complete', id: request.id, items: [] });
    else if (request.kind === 'hover') post({ kind: 'hover', id: request.id, hover: null });
    else if (request.kind === 'definition') post({ kind: 'definition', id: request.id, definition: null });
    else if (request.kind === 'step') post({ kind: 'step', id: request.id, answer: { detail: null, values: null } });
    // An analysis always gets its answer, so the page's queue never waits for one that will not come.
    else post({ kind: 'analyze', id: request.id, analysis: { ...emptyAnalysis(), engineError: message(error) } });
  }
};
