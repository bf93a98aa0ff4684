// The messages between the page and the engine's Web Worker. The page owns the editors; the worker owns the
// WebAssembly module, so a long analysis never blocks typing.
import type {
  CompletionItem,
  Definition,
  Diagnostic,
  Graph,
  Hover,
  InstanceErrors,
  Plan,
  Position,
  Simulation,
} from '@kro-rs/engine';

/** The documents the user edits. */
export interface Documents {
  rgd: string;
  instance: string;
  observed: string;
}

/** Everything the page shows for one version of the documents. */
export interface Analysis {
  diagnostics: Diagnostic[];
  /** The graph when the RGD is valid; null when it has errors (the page keeps showing the last good one). */
  graph: Graph | null;
  crdYaml: string | null;
  /** The plan for the instance now, or why there is none. */
  plan: Plan | null;
  simulation: Simulation | null;
  /** Instance problems (the API server would refuse it), in the instance's own text. */
  instanceErrors: InstanceErrors['instanceErrors'];
  /**
   * The observed objects could not be read. The package throws for that (it is misuse of its API, not a finding
   * about the RGD), with a message `observed: line N: ...`; the worker turns it back into a problem.
   */
  observedError: { message: string; line: number } | null;
  /** Why the instance could not be planned when that is not a diagnostic of the RGD or the instance. */
  instanceNote: string | null;
  /** The engine threw (a bug in kro-rs, never the user's fault): the message, shown as such. */
  engineError: string | null;
  /** Milliseconds the worker spent, per step. */
  timings: Record<string, number>;
}

/**
 * The two halves of an analysis, run by two workers at once: `check` (the RGD's diagnostics, graph and CRD) and
 * `plan` (the instance's simulated reconcile, which checks the RGD again on its own).
 */
export type Part = 'check' | 'plan';

export type Request =
  /** The first message to each worker: the compiled engine, fetched and compiled once for both. */
  | { kind: 'init'; id: number; module: WebAssembly.Module }
  | { kind: 'analyze'; id: number; docs: Documents; part: Part }
  | { kind: 'complete'; id: number; text: string; position: Position }
  | { kind: 'hover'; id: number; text: string; position: Position }
  | { kind: 'definition'; id: number; text: string; position: Position };

export type Response =
  | { kind: 'ready'; version: string }
  | { kind: 'failed'; message: string }
  /** The first part of an analysis, sent as soon as it is known: diagnostics and graph of the RGD. */
  | { kind: 'checked'; id: number; analysis: Analysis }
  | { kind: 'analyze'; id: number; analysis: Analysis }
  | { kind: 'complete'; id: number; items: CompletionItem[] }
  | { kind: 'hover'; id: number; hover: Hover | null }
  | { kind: 'definition'; id: number; definition: Definition | null };
