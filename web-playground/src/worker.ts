// The engine's Web Worker: one Workspace holding the RGD, the instance and the observed objects. Each edit
// sets the documents and asks the workspace everything the page shows; the RGD is compiled once per change,
// whatever is asked (diagnostics, graph, CRD, simulation, completion), and not at all when only the instance
// changed. The engine decides; this only gathers its answers into one Analysis.
import init, { toYaml, version, Workspace, type Plan } from '@kro-rs/engine';
import type { Analysis, Documents, Request, Response, Step } from './protocol';

const post = (message: Response) => (self as unknown as Worker).postMessage(message);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs `step`, recording its time. */
function timed<T>(timings: Record<string, number>, name: string, step: () => T): T {
  const start = performance.now();
  try {
    return step();
  } finally {
    timings[name] = performance.now() - start;
  }
}

let workspace: Workspace | null = null;
const request = { rgd: 'rgd', instance: 'instance', observed: 'observed' } as const;

const emptyAnalysis = (): Analysis => ({
  diagnostics: { rgd: [], instance: [], observed: [] },
  graph: null,
  crdYaml: null,
  steps: [],
  result: null,
  note: null,
  engineError: null,
  timings: {},
  compiles: workspace?.compiles() ?? 0,
});

function step(plan: Plan): Step {
  return {
    plan,
    resourcesYaml: plan.resources.map((r) => toYaml(r)).join(''),
    statusYaml: toYaml({ status: { state: plan.state, ...plan.status } }),
  };
}

function analyze(id: number, docs: Documents): Analysis {
  const ws = (workspace ??= new Workspace());
  const result = emptyAnalysis();
  const timings = result.timings;
  ws.set('rgd', 'rgds', docs.rgd);
  ws.set('instance', 'instance', docs.instance);
  ws.set('observed', 'observed', docs.observed);
  result.diagnostics.rgd = timed(timings, 'check', () => ws.diagnostics('rgd'));
  const graph = timed(timings, 'graph', () => ws.graph('rgd'));
  // The playground edits one RGD; with several, the first one is drawn.
  result.graph = graph.type === 'graphs' ? (graph.graphs[0] ?? null) : null;
  post({ kind: 'checked', id, analysis: { ...result, compiles: ws.compiles(), timings: { ...timings } } });
  const crds = timed(timings, 'crd', () => ws.crds('rgd'));
  result.crdYaml = crds.type === 'crds' ? crds.yaml : null;
  const simulated = timed(timings, 'simulate', () => ws.simulate(request));
  switch (simulated.type) {
    case 'simulation':
      result.steps = simulated.simulation.steps.map((s) => step(s.plan));
      result.result = simulated.simulation.result;
      break;
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
  if (simulated.type === 'simulation') {
    // Warnings about the instance (what the API server would ignore) are shown even when it is accepted.
    result.diagnostics.instance = ws.diagnostics('instance');
  }
  result.compiles = ws.compiles();
  return result;
}

function answer(request: Exclude<Request, { kind: 'init' }>): Response {
  const ws = (workspace ??= new Workspace());
  switch (request.kind) {
    case 'analyze':
      return { kind: 'analyze', id: request.id, analysis: analyze(request.id, request.docs) };
    case 'complete':
      ws.set('rgd', 'rgds', request.text);
      return { kind: 'complete', id: request.id, items: ws.complete('rgd', request.position) };
    case 'hover':
      ws.set('rgd', 'rgds', request.text);
      return { kind: 'hover', id: request.id, hover: ws.hover('rgd', request.position) };
    case 'definition':
      ws.set('rgd', 'rgds', request.text);
      return { kind: 'definition', id: request.id, definition: ws.definition('rgd', request.position) };
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
    // An analysis always gets its answer, so the page's queue never waits for one that will not come.
    else post({ kind: 'analyze', id: request.id, analysis: { ...emptyAnalysis(), engineError: message(error) } });
  }
};
