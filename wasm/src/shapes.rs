//! The JSON shapes of the JS API, and their TypeScript declarations, written once, here: the engine's
//! `output` shapes (what the CLI prints) plus what editors need — LSP ranges on diagnostics and on the
//! graph's resources, instance findings with ranges. The Node tests type-check what the functions really
//! return against these declarations (`tsc --strict` on the values as literals).

use kro_engine::{CompiledRgd, Diagnostic, ExpressionValue, LineIndex, output};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
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

export type Severity = 'error' | 'warning';

/**
 * One finding, as `kro validate -o json` gives it (1-based `line` and `column` counted in characters), with
 * its `range` in LSP positions of the document it is about.
 */
export interface Diagnostic {
  severity: Severity;
  /** Stable code, documented in docs/diagnostics.md. */
  code: string;
  message: string;
  /** Where in the document, e.g. `spec.resources[1].template.spec.selector`. */
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  help?: string;
  range: Range;
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
  implicitDependsOn?: string[];
  wave: number;
  includeWhen: string[];
  readyWhen: string[];
  /** A readiness rule kro-rs adds (a CRD is ready once Established), when the resource has no `readyWhen`. */
  defaultReadyWhen?: string;
  forEach: ForEachDimension[];
  external: boolean;
  /** The resource's list item in the source. */
  range: Range;
  /** Its `id` value. */
  idRange: Range;
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

/** What a plan does with one resource (the engine decides; why it waits is its `pending` entry). */
export type NodeState = 'ready' | 'applied' | 'waiting' | 'excluded' | 'failed' | 'deleting' | 'deleted';

export interface NodeStatus {
  id: string;
  state: NodeState;
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
  instance: { labels: Record<string, string>; annotations: Record<string, string>; finalizers: string[] };
  state: InstanceState;
  /** Every resource of the graph in topological order, with what this plan does with it. */
  nodes: NodeStatus[];
  status: Record<string, unknown>;
  /** When to plan again if nothing changes (null: on the next event). */
  requeueAfterSeconds: number | null;
  delete?: ObjectKey[];
  assumed?: string[];
}

/** `kro render --simulate -o json`. */
export interface Simulation {
  steps: { step: number; plan: Plan }[];
  /**
   * ACTIVE, or why not: `stuck` (a step changed nothing, or the instance went to ERROR) or `stepCap` (the plan
   * was still changing after the most steps the graph can need).
   */
  result: { active: true } | { active: false; cause: 'stuck' | 'stepCap'; reason: string };
}

/** A breaking change between two CRDs, in kro's names. */
export interface BreakingChange {
  kind: string;
  /** Where in the schema, prefixed with the version: `v1alpha1: spec.replicas`. */
  path: string;
  message: string;
}

/** A finding about an instance, as the fixtures write it, with its range when it was given as text. */
export interface InstanceError {
  severity: Severity;
  code: string;
  path: string;
  /** 1-based, in characters; null for an instance given as an object. */
  line: number | null;
  column: number | null;
  message: string;
  range: Range | null;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

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
"#;

/// A diagnostic as `kro validate -o json` has it (the engine's `output::diagnostic_json`: 1-based `line` and
/// `column` in characters), plus `range` in LSP positions of `index`'s text for editors.
pub fn diagnostic(d: &Diagnostic, index: &LineIndex<'_>) -> Value {
    let mut v = output::diagnostic_json(None, d);
    v["range"] = json!(index.lsp_range(d.span));
    v
}

/// Diagnostics of one text.
pub fn diagnostics(all: &[Diagnostic], text: &str) -> Value {
    let index = LineIndex::new(text);
    Value::Array(all.iter().map(|d| diagnostic(d, &index)).collect())
}

/// An instance's findings: the engine's `output::instance_errors_json` (each with its severity and code, as
/// the fixtures write it), with its LSP `range` in `index`'s text when it has a position.
pub fn instance_errors(errors: &[Diagnostic], index: &LineIndex<'_>) -> Value {
    let mut value = output::instance_errors_json(errors);
    if let Some(items) = value.get_mut("instanceErrors").and_then(Value::as_array_mut) {
        for (item, d) in items.iter_mut().zip(errors) {
            item["range"] = json!(d.position().map(|_| index.lsp_range(d.span)));
        }
    }
    value
}

/// `kro graph -o json` of `rgd`, compiled from `index`'s text, with `range` (the resource's list item) and
/// `idRange` (its `id` value) on each resource.
pub fn graph(rgd: &CompiledRgd, index: &LineIndex<'_>) -> Value {
    let mut graph = output::graph_json(rgd);
    let Some(resources) = graph.get_mut("resources").and_then(Value::as_array_mut) else { return graph };
    for resource in resources {
        let id = resource.get("id").and_then(Value::as_str).unwrap_or_default();
        if let Some(compiled) = rgd.resources().iter().find(|r| r.id == id)
            && let Some(map) = resource.as_object_mut()
        {
            map.insert("range".to_string(), json!(index.lsp_range(compiled.span)));
            map.insert("idRange".to_string(), json!(index.lsp_range(compiled.id_span)));
        }
    }
    graph
}

/// The values of expressions, each with its `range` in LSP positions of the RGD's `text`.
pub fn expression_values(values: &[ExpressionValue], text: &str) -> Value {
    let index = LineIndex::new(text);
    Value::Array(
        values
            .iter()
            .map(|v| {
                let mut item = json!(v);
                item["range"] = json!(index.lsp_range(v.span));
                item
            })
            .collect(),
    )
}
