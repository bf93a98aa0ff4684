// The page's side of the engine worker: promises for editor services, and an analysis queue that keeps at most
// one analysis running and one waiting (the newest), so fast typing never builds a backlog.
import type { CompletionItem, Definition, Hover, Position } from '@kro-rs/engine';
import type { Analysis, Documents, Request, Response } from './protocol';

type Pending = (response: Response) => void;
/** `Omit` applied to each member of a union (the built-in one keeps only the keys all members share). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export class EngineClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private running = false;
  private queued: Documents | null = null;
  /** Called with every finished analysis, in order; `started` is when its request was sent. */
  onAnalysis: (analysis: Analysis, docs: Documents, started: number) => void = () => {};
  /** Called with the first part of each analysis (diagnostics and graph), before the rest is computed. */
  onChecked: (analysis: Analysis, started: number) => void = () => {};
  private startedAt = 0;
  onReady: (version: string) => void = () => {};
  onFailure: (message: string) => void = () => {};

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<Response>) => this.receive(event.data);
    this.worker.onerror = (event) => this.onFailure(event.message || 'the engine worker could not start');
  }

  private receive(response: Response) {
    if (response.kind === 'ready') return this.onReady(response.version);
    if (response.kind === 'failed') {
      this.running = false;
      return this.onFailure(response.message);
    }
    if (response.kind === 'checked') return this.onChecked(response.analysis, this.startedAt);
    const resolve = this.pending.get(response.id);
    this.pending.delete(response.id);
    resolve?.(response);
  }

  private send<R extends Response>(request: WithoutId<Request>): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve) => {
      this.pending.set(id, resolve as Pending);
      this.worker.postMessage({ ...request, id });
    });
  }

  /** Asks for an analysis of `docs`; one that was waiting is replaced. */
  analyze(docs: Documents) {
    this.queued = docs;
    if (!this.running) void this.drain();
  }

  private async drain() {
    while (this.queued) {
      const docs = this.queued;
      this.queued = null;
      this.running = true;
      const started = performance.now();
      this.startedAt = started;
      const response = await this.send<Extract<Response, { kind: 'analyze' }>>({ kind: 'analyze', docs });
      this.running = false;
      this.onAnalysis(response.analysis, docs, started);
    }
  }

  async complete(text: string, position: Position): Promise<CompletionItem[]> {
    const r = await this.send<Extract<Response, { kind: 'complete' }>>({ kind: 'complete', text, position });
    return r.items;
  }

  async hover(text: string, position: Position): Promise<Hover | null> {
    const r = await this.send<Extract<Response, { kind: 'hover' }>>({ kind: 'hover', text, position });
    return r.hover;
  }

  async definition(text: string, position: Position): Promise<Definition | null> {
    const r = await this.send<Extract<Response, { kind: 'definition' }>>({ kind: 'definition', text, position });
    return r.definition;
  }
}
