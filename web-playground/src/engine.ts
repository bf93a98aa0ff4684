// The page's side of the engine: one worker holding a Workspace, so each edit compiles the RGD once for every
// view (diagnostics, graph, CRD, the simulation) and the editor services. At most one analysis runs and one
// (the newest) waits, so fast typing never builds a backlog.
import type { CompletionItem, Definition, Hover, Position, SimulatedEvent } from '@kro-rs/engine';
import wasmUrl from '@kro-rs/engine/kro_engine_bg.wasm?url';
import type { Analysis, DocName, Documents, Request, Response, StepAnswer, Wanted } from './protocol';

/** The engine, downloaded and compiled on the page (compiling while it downloads, where possible). */
async function compileEngine(): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compileStreaming(fetch(wasmUrl));
  } catch {
    // A host that serves .wasm without `application/wasm` defeats streaming; compiling from bytes still works.
    const response = await fetch(wasmUrl);
    return WebAssembly.compile(await response.arrayBuffer());
  }
}

type Pending = (response: Response) => void;
/** `Omit` applied to each member of a union (the built-in one keeps only the keys all members share). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type AnalyzeResponse = Extract<Response, { kind: 'analyze' }>;

class EngineWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    module: Promise<WebAssembly.Module>,
    private readonly onEvent: (response: Response) => void,
    onError: (message: string) => void,
  ) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<Response>) => this.receive(event.data);
    this.worker.onerror = (event) => onError(event.message || 'the engine worker could not start');
    // Requests sent before the module arrives wait in the worker until it is instantiated.
    module.then(
      (compiled) => this.worker.postMessage({ kind: 'init', id: 0, module: compiled } satisfies Request),
      (error: unknown) =>
        onError(`the engine could not be loaded: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  private receive(response: Response) {
    if (response.kind === 'ready' || response.kind === 'failed' || response.kind === 'checked') {
      return this.onEvent(response);
    }
    const resolve = this.pending.get(response.id);
    this.pending.delete(response.id);
    resolve?.(response);
  }

  send<R extends Response>(request: WithoutId<Request>): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve) => {
      this.pending.set(id, resolve as Pending);
      this.worker.postMessage({ ...request, id });
    });
  }
}

export class EngineClient {
  private readonly worker: EngineWorker;
  private running = false;
  private queued: { docs: Documents; wanted: Wanted } | null = null;
  private startedAt = 0;
  /** Called with every finished analysis, in order; `started` is when its request was sent. */
  onAnalysis: (analysis: Analysis, docs: Documents, started: number) => void = () => {};
  /** Called with the first part of each analysis (diagnostics and graph), before the rest is computed. */
  onChecked: (analysis: Analysis, started: number) => void = () => {};
  onReady: (version: string) => void = () => {};
  onFailure: (message: string) => void = () => {};

  constructor() {
    const fail = (message: string) => this.onFailure(message);
    this.worker = new EngineWorker(
      compileEngine(),
      (event) => {
        if (event.kind === 'ready') this.onReady(event.version);
        else if (event.kind === 'failed') fail(event.message);
        else if (event.kind === 'checked') this.onChecked(event.analysis, this.startedAt);
      },
      fail,
    );
  }

  /** Asks for an analysis of `docs`; one that was waiting is replaced. */
  analyze(docs: Documents, wanted: Wanted) {
    this.queued = { docs, wanted };
    if (!this.running) void this.drain();
  }

  /** Whether an analysis runs or waits. */
  get busy(): boolean {
    return this.running || this.queued !== null;
  }

  private async drain() {
    while (this.queued) {
      const { docs, wanted } = this.queued;
      this.queued = null;
      this.running = true;
      const started = performance.now();
      this.startedAt = started;
      const { analysis } = await this.worker.send<AnalyzeResponse>({ kind: 'analyze', docs, wanted });
      this.running = false;
      this.onAnalysis(analysis, docs, started);
    }
  }

  /** Step `step` (1-based) of the last analysis's simulation, whole, with the values there when asked. */
  async step(step: number, values: boolean, events: SimulatedEvent[]): Promise<StepAnswer> {
    const r = await this.worker.send<Extract<Response, { kind: 'step' }>>({ kind: 'step', step, values, events });
    return r.answer;
  }

  async complete(doc: DocName, text: string, position: Position): Promise<CompletionItem[]> {
    const r = await this.worker.send<Extract<Response, { kind: 'complete' }>>({
      kind: 'complete',
      doc,
      text,
      position,
    });
    return r.items;
  }

  async hover(doc: DocName, text: string, position: Position): Promise<Hover | null> {
    const r = await this.worker.send<Extract<Response, { kind: 'hover' }>>({ kind: 'hover', doc, text, position });
    return r.hover;
  }

  async definition(doc: DocName, text: string, position: Position): Promise<Definition | null> {
    const r = await this.worker.send<Extract<Response, { kind: 'definition' }>>({
      kind: 'definition',
      doc,
      text,
      position,
    });
    return r.definition;
  }
}
