// The messages between the page and the engine's Web Worker. The page owns the editors; the worker owns the
// WebAssembly module and one Workspace holding the documents, so a long analysis never blocks typing and each
// edit is compiled once.
import type { CompletionItem, Definition, Diagnostic, Graph, Hover, Plan, Position, Simulation } from '@kro-rs/engine';

/** The documents the user edits. */
export interface Documents {
  rgd: string;
  instance: string;
  observed: string;
}

/** One step of the simulation, with its outputs as the engine writes YAML. */
export interface Step {
  plan: Plan;
  /** The objects applied at this step, as multi-document YAML. */
  resourcesYaml: string;
  /** The instance's `status` at this step, as YAML. */
  statusYaml: string;
}

/** Everything the page shows for one version of the documents. */
export interface Analysis {
  /** Each document's findings, ranges in its own text. */
  diagnostics: Record<keyof Documents, Diagnostic[]>;
  /** The graph when the RGD is valid; null when it has errors (the page keeps showing the last good one). */
  graph: Graph | null;
  crdYaml: string | null;
  /** The simulated reconcile, step by step. */
  steps: Step[];
  result: Simulation['result'] | null;
  /** Why there is no simulation, when no diagnostic says it (the instance is not written yet). */
  note: string | null;
  /** The engine threw (a bug in kro-rs, never the user's fault): the message, shown as such. */
  engineError: string | null;
  /** Milliseconds the worker spent, per step. */
  timings: Record<string, number>;
  /** How many times the workspace has compiled a document so far: one more per edit of the RGD. */
  compiles: number;
}

export type Request =
  /** The first message: the compiled engine, fetched and compiled on the page. */
  | { kind: 'init'; id: number; module: WebAssembly.Module }
  | { kind: 'analyze'; id: number; docs: Documents }
  | { kind: 'complete'; id: number; text: string; position: Position }
  | { kind: 'hover'; id: number; text: string; position: Position }
  | { kind: 'definition'; id: number; text: string; position: Position };

export type Response =
  | { kind: 'ready'; version: string }
  | { kind: 'failed'; message: string }
  /** The first part of an analysis, sent as soon as it is known: the diagnostics and the graph. */
  | { kind: 'checked'; id: number; analysis: Analysis }
  | { kind: 'analyze'; id: number; analysis: Analysis }
  | { kind: 'complete'; id: number; items: CompletionItem[] }
  | { kind: 'hover'; id: number; hover: Hover | null }
  | { kind: 'definition'; id: number; definition: Definition | null };
