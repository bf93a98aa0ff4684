// The engine's Web Worker: loads the WebAssembly module once, then answers the page's requests in order. The
// page runs two of them, one checking the RGD and one simulating the instance, so the two halves of an analysis
// run side by side.
import init, {
  complete,
  crdYaml,
  definition,
  graph,
  hover,
  render,
  simulate,
  validate,
  version,
  type Graph,
  type InstanceErrors,
  type Invalid,
  type Plan,
  type Simulation,
} from '@kro-rs/engine';
import type { Analysis, Documents, Part, Request, Response } from './protocol';

const post = (message: Response) => (self as unknown as Worker).postMessage(message);

const isInvalid = (value: unknown): value is Invalid =>
  typeof value === 'object' && value !== null && 'diagnostics' in value;
const isInstanceErrors = (value: unknown): value is InstanceErrors =>
  typeof value === 'object' && value !== null && 'instanceErrors' in value;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs `step`, recording its time; an exception is the engine's fault and is kept as such. */
function timed<T>(timings: Record<string, number>, name: string, step: () => T): T {
  const start = performance.now();
  try {
    return step();
  } finally {
    timings[name] = performance.now() - start;
  }
}

/** Only text with something other than comments and blank lines is a document worth rendering. */
const hasContent = (text: string) => text.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#'));

/** What depends on the RGD's text alone, kept so that an edit of the instance checks nothing again. */
interface RgdResults {
  text: string;
  diagnostics: Analysis['diagnostics'];
  valid: boolean;
  graph: Graph | null;
  crdYaml: string | null;
}
let cached: RgdResults | null = null;

const emptyAnalysis = (): Analysis => ({
  diagnostics: [],
  graph: null,
  crdYaml: null,
  plan: null,
  simulation: null,
  instanceErrors: [],
  instanceNote: null,
  observedError: null,
  engineError: null,
  timings: {},
});

function analyze(id: number, docs: Documents, part: Part): Analysis {
  const result = emptyAnalysis();
  try {
    if (part === 'check') check(id, docs, result);
    else plan(docs, result);
  } catch (error) {
    // A panic may leave the cached results half made; the next call starts afresh.
    cached = null;
    result.engineError = message(error);
  }
  return result;
}

/** The RGD's diagnostics and graph (sent at once through `checked`), then its CRD. */
function check(id: number, docs: Documents, result: Analysis) {
  const timings = result.timings;
  let rgd = cached?.text === docs.rgd ? cached : null;
  if (!rgd) {
    const checked = timed(timings, 'validate', () => validate(docs.rgd));
    rgd = { text: docs.rgd, diagnostics: checked.diagnostics, valid: checked.valid, graph: null, crdYaml: null };
    if (checked.valid) {
      const g = timed(timings, 'graph', () => graph(docs.rgd));
      // The playground edits one RGD; with several, the first one is drawn.
      if (Array.isArray(g)) rgd.graph = (g[0] as Graph | undefined) ?? null;
      else if (!isInvalid(g)) rgd.graph = g;
    }
  }
  result.diagnostics = rgd.diagnostics;
  result.graph = rgd.graph;
  post({ kind: 'checked', id, analysis: { ...result, timings: { ...timings } } });
  if (rgd.valid && rgd.crdYaml === null) {
    const crd = timed(timings, 'crd', () => crdYaml(docs.rgd));
    rgd.crdYaml = typeof crd === 'string' ? crd : null;
  }
  cached = rgd;
  result.crdYaml = rgd.crdYaml;
}

/** The simulated reconcile of the instance (nothing when the RGD is invalid: `check` reports why). */
function plan(docs: Documents, result: Analysis) {
  const timings = result.timings;
  if (!hasContent(docs.instance)) {
    result.instanceNote = 'Write an instance in the Instance tab to see what it renders to.';
    return;
  }
  const options = hasContent(docs.observed) ? { observed: docs.observed } : {};
  let sim: ReturnType<typeof simulate>;
  try {
    sim = timed(timings, 'simulate', () => simulate(docs.rgd, docs.instance, options));
  } catch (error) {
    const text = message(error);
    const unreadable = /^observed: (?:line (\d+): )?/.exec(text);
    if (!unreadable) throw error;
    result.observedError = { message: text.slice(unreadable[0].length), line: Number(unreadable[1] ?? 1) };
    return;
  }
  if (isInstanceErrors(sim)) {
    result.instanceErrors = sim.instanceErrors;
    return;
  }
  if (isInvalid(sim)) return;
  result.simulation = sim as Simulation;
  const first = result.simulation.steps[0];
  if (first) {
    result.plan = first.plan;
  } else {
    // The simulation's first step is the plan `render` gives, so `render` runs only when there are no steps.
    const planned = timed(timings, 'render', () => render(docs.rgd, docs.instance, options));
    if (!isInvalid(planned) && !isInstanceErrors(planned)) result.plan = planned as Plan;
  }
}

function answer(request: Exclude<Request, { kind: 'init' }>): Response {
  switch (request.kind) {
    case 'analyze':
      return { kind: 'analyze', id: request.id, analysis: analyze(request.id, request.docs, request.part) };
    case 'complete':
      return { kind: 'complete', id: request.id, items: complete(request.text, request.position) };
    case 'hover':
      return { kind: 'hover', id: request.id, hover: hover(request.text, request.position) };
    case 'definition':
      return { kind: 'definition', id: request.id, definition: definition(request.text, request.position) };
  }
}

let received: (module: WebAssembly.Module) => void = () => {};
const compiled = new Promise<WebAssembly.Module>((resolve) => (received = resolve));
const ready = compiled.then((module) => init({ module_or_path: module })).then(
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
