// The messages between the page and the engine's Web Worker. The page owns the editors; the worker owns the
// WebAssembly module and one Workspace holding the documents, so a long analysis never blocks typing and each
// edit is compiled once.
import type {
  BreakingChange,
  CompletionItem,
  Definition,
  Diagnostic,
  ExpressionValue,
  ExternalRead,
  Graph,
  Hover,
  KubernetesObject,
  Plan,
  Position,
  SimulatedEvent,
  Simulation,
  StepSummary,
} from '@kro-rs/engine';

/** The documents the user edits: the RGD, an instance of it, objects the cluster holds, and CRDs. */
export interface Documents {
  rgd: string;
  instance: string;
  observed: string;
  crds: string;
}

export type DocName = keyof Documents;
export const docNames: DocName[] = ['rgd', 'instance', 'observed', 'crds'];

/** One step of the simulation, whole: its plan with its outputs as the engine writes YAML. */
export interface StepDetail {
  /** 1-based. */
  step: number;
  plan: Plan;
  /** The objects applied at this step, as multi-document YAML. */
  resourcesYaml: string;
  /** The instance's `status` at this step, as YAML. */
  statusYaml: string;
  /** The external objects this step reads (what the Observed document may hold for them). */
  reads: ExternalRead[];
}

/** The previous version of the RGD against the current one: their CRDs, what breaks, and their resources. */
export interface Comparison {
  baselineCrdYaml: string | null;
  crdYaml: string | null;
  breaking: BreakingChange[];
  /** What each version applies at the last step of its simulation (null: it has none, and why in `note`). */
  baselineResourcesYaml: string | null;
  resourcesYaml: string | null;
  note: string | null;
}

/** What the page asks an analysis for, beside the documents. */
export interface Wanted {
  /** The simulator's step (1-based), or the last one. */
  step: number | 'last';
  /** The values of the expressions at that step too. */
  values: boolean;
  /** What happens in the simulated cluster from a step on. */
  events: SimulatedEvent[];
  /** The previous version of the RGD to compare with, when the Compare tab is open. */
  baseline: string | null;
}

/** Everything the page shows for one version of the documents. */
export interface Analysis {
  /** Each document's findings, ranges in its own text. */
  diagnostics: Record<DocName, Diagnostic[]>;
  /** The graph when the RGD is valid; null when it has errors (the page keeps showing the last good one). */
  graph: Graph | null;
  crdYaml: string | null;
  /** The generated CRD, for the instance form. */
  crd: KubernetesObject | null;
  /** The simulated reconcile, each step without its objects. */
  steps: StepSummary[];
  result: Simulation['result'] | null;
  /** The step asked for, whole. */
  detail: StepDetail | null;
  /** The values of the expressions at that step, when asked for. */
  values: ExpressionValue[] | null;
  comparison: Comparison | null;
  /** Why there is no simulation, when no diagnostic says it (the instance is not written yet). */
  note: string | null;
  /** The engine threw (a bug in kro-rs, never the user's fault): the message, shown as such. */
  engineError: string | null;
  /** Milliseconds the worker spent, per part, and `total` for the whole analysis. */
  timings: Record<string, number>;
  /** How many times the workspace has compiled a document so far: one more per edit of the RGD. */
  compiles: number;
}

/** A step asked for after the analysis (the simulator moved). */
export interface StepAnswer {
  detail: StepDetail | null;
  values: ExpressionValue[] | null;
}

export type Request =
  /** The first message: the compiled engine, fetched and compiled on the page. */
  | { kind: 'init'; id: number; module: WebAssembly.Module }
  | { kind: 'analyze'; id: number; docs: Documents; wanted: Wanted }
  | { kind: 'step'; id: number; step: number; values: boolean; events: SimulatedEvent[] }
  | { kind: 'complete'; id: number; doc: DocName; text: string; position: Position }
  | { kind: 'hover'; id: number; doc: DocName; text: string; position: Position }
  | { kind: 'definition'; id: number; doc: DocName; text: string; position: Position };

export type Response =
  | { kind: 'ready'; version: string }
  | { kind: 'failed'; message: string }
  /** The first part of an analysis, sent as soon as it is known: the diagnostics and the graph. */
  | { kind: 'checked'; id: number; analysis: Analysis }
  | { kind: 'analyze'; id: number; analysis: Analysis }
  | { kind: 'step'; id: number; answer: StepAnswer }
  | { kind: 'complete'; id: number; items: CompletionItem[] }
  | { kind: 'hover'; id: number; hover: Hover | null }
  | { kind: 'definition'; id: number; definition: Definition | null };
