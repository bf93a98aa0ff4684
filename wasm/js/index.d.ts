// Types of @kro-rs/engine, written by hand: what wasm-bindgen infers for JS values is `any`. The package's
// tests compile a program calling every function against this file with `tsc --strict`.

/** A position as LSP, VS Code and Monaco count it: 0-based line, 0-based column in UTF-16 code units. */
export interface Position {
  line: number;
  character: number;
}

/** A half-open range of positions. */
export interface Range {
  start: Position;
  end: Position;
}

/** kro's feature gates, by kro's names. */
export interface FeatureGates {
  CELOmitFunction?: boolean;
}

/** Options of `validate`, `crd`, `crdYaml`, `graph` and the editor services. */
export interface CheckOptions {
  /** CRD documents (YAML or JSON texts) whose kinds resources may use, like the CLI's `--crd`. */
  crds?: string[];
  featureGates?: FeatureGates;
  /** Warnings make the input invalid, like the CLI's `--deny-warnings`. */
  denyWarnings?: boolean;
}

export type Severity = 'error' | 'warning';

/** One finding, as `kro validate -o json` gives it, with an LSP range instead of 1-based line and column. */
export interface Diagnostic {
  severity: Severity;
  /** Stable code, documented in docs/diagnostics.md. */
  code: string;
  message: string;
  /** Where in the RGD, e.g. `spec.resources[1].template.spec.selector`. */
  path: string;
  help?: string;
  range: Range;
}

export interface ValidateResult {
  diagnostics: Diagnostic[];
  /** No errors (and, with `denyWarnings`, no warnings): what the CLI's exit code 0 means. */
  valid: boolean;
}

/**
 * What `crd`, `crdYaml`, `graph`, `render` and `simulate` return for an RGD with errors (or warnings, with
 * `denyWarnings`), where the CLI prints diagnostics instead of its output. Functions throw only on misuse
 * (options of the wrong shape, an unreadable CRD text).
 */
export interface Invalid {
  diagnostics: Diagnostic[];
}

export interface ForEachDimension {
  name: string;
  expression: string;
}

/** A resource of `kro graph -o json`, with where it is written. */
export interface GraphResource {
  id: string;
  apiVersion: string;
  kind: string;
  dependsOn: string[];
  wave: number;
  includeWhen: string[];
  readyWhen: string[];
  forEach: ForEachDimension[];
  external: boolean;
  /** The resource's list item in the source. */
  range?: Range;
  /** Its `id` value. */
  idRange?: Range;
}

/** `kro graph -o json` for one RGD. */
export interface Graph {
  name: string;
  topologicalOrder: string[];
  resources: GraphResource[];
}

/** A Kubernetes object as JSON. */
export type KubernetesObject = { apiVersion?: string; kind?: string; metadata?: Record<string, unknown> } & Record<
  string,
  unknown
>;

export interface RenderOptions {
  /** Objects as the cluster has them: a multi-document YAML text or an array of objects. */
  observed?: string | KubernetesObject[];
  /** RFC 3339 time the plan is made at (a fixed epoch by default, as the CLI). */
  now?: string;
  /** kro version written into labels (the package's version by default). */
  kroVersion?: string;
  crds?: string[];
  featureGates?: FeatureGates;
}

export type ReasonCode =
  | 'dependencyNotReady'
  | 'dataPending'
  | 'readyWhenFalse'
  | 'awaitingObservation'
  | 'externalNotFound'
  | 'error'
  | 'suspended'
  | 'stoppedByError';

export interface Pending {
  id: string;
  reason: { code: ReasonCode; message: string };
}

/** An object's identity in the cluster. */
export interface ObjectKey {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export type InstanceState = 'IN_PROGRESS' | 'ACTIVE' | 'ERROR' | 'DELETING';

/** `kro render -o json`. */
export interface Plan {
  resources: KubernetesObject[];
  pending: Pending[];
  excluded: string[];
  prune: ObjectKey[];
  delete?: ObjectKey[];
  instance: { labels: Record<string, string>; annotations: Record<string, string>; finalizers: string[] };
  state: InstanceState;
  status: Record<string, unknown>;
  requeueAfterSeconds?: number;
  assumed?: string[];
}

/** The API server would refuse the instance: what `render` and `simulate` return instead of a plan. */
export interface InstanceErrors {
  instanceErrors: {
    path: string;
    line: number | null;
    column: number | null;
    message: string;
    /** In the instance text, when it was given as text. */
    range: Range | null;
  }[];
}

/** `kro render --simulate -o json`. */
export interface Simulation {
  steps: { step: number; plan: Plan }[];
  result: { active: true } | { active: false; reason: string };
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type EvaluateResult = { value: JsonValue } | { error: { message: string; pending: boolean } };

export type CompletionKind = 'field' | 'resource' | 'variable' | 'function' | 'macro' | 'type' | 'marker' | 'keyword';

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  /** The type or signature. */
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** What to insert when it differs from the label. */
  insertText?: string;
  /** The text the item replaces. */
  range: Range;
}

export interface Hover {
  /** Markdown. */
  contents: string;
  range: Range;
}

export interface Definition {
  /** The declaring name (a resource's `id` value, a schema field's key). */
  range: Range;
  /** The whole declaration. */
  targetRange: Range;
  /** The reference the request was made on. */
  originRange: Range;
}

export type SymbolKind = 'schema' | 'field' | 'resource';

export interface DocumentSymbol {
  name: string;
  kind: SymbolKind;
  detail?: string;
  range: Range;
  selectionRange: Range;
  children?: DocumentSymbol[];
}

/** Every diagnostic of every RGD in `text` (`kro validate -o json`). */
export function validate(text: string, options?: CheckOptions): ValidateResult;
/** The generated CRDs (`kro crd`), as objects. */
export function crd(text: string, options?: CheckOptions): KubernetesObject[] | Invalid;
/** The generated CRDs as the CLI prints them: multi-document YAML. */
export function crdYaml(text: string, options?: CheckOptions): string | Invalid;
/** `kro graph -o json`: one graph, or an array when `text` holds several RGDs. */
export function graph(text: string, options?: CheckOptions): Graph | Graph[] | Invalid;
/** `kro render -o json`: what would be applied now for `instance` (a YAML text or an object). */
export function render(
  rgd: string,
  instance: string | KubernetesObject,
  options?: RenderOptions,
): Plan | Invalid | InstanceErrors;
/** `kro render --simulate -o json`: the steps of a simulated reconcile. */
export function simulate(
  rgd: string,
  instance: string | KubernetesObject,
  options?: RenderOptions,
): Simulation | Invalid | InstanceErrors;
/** One CEL expression with kro's function library, over `variables`. */
export function evaluate(expression: string, variables?: Record<string, unknown>, options?: CheckOptions): EvaluateResult;
/** Completion items at `position`. */
export function complete(text: string, position: Position, options?: CheckOptions): CompletionItem[];
/** Hover at `position`, or null. */
export function hover(text: string, position: Position, options?: CheckOptions): Hover | null;
/** Where the name at `position` is declared, or null. */
export function definition(text: string, position: Position): Definition | null;
/** The outline: the instance API's fields and the resources. */
export function symbols(text: string): DocumentSymbol[];
/** The JSON Schema of an RGD document (`kro schema`), for yaml-language-server or Monaco. */
export function rgdJsonSchema(): Record<string, unknown>;
/** The package's (and engine's) version. */
export function version(): string;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * Loads the WebAssembly module. Browsers and bundlers must await it once before calling anything; in Node the
 * module is loaded on import and this resolves at once.
 */
export default function init(
  input?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<unknown>;
/** Loads the module synchronously from its bytes or a compiled module. */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;
