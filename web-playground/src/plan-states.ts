// What each resource is doing at one step of a simulated reconcile, read from the plan of that step (the
// engine decides; this only sorts its answer into the five colours of the DAG).
import type { Graph, Plan } from '@kro-rs/engine';
import type { NodeStatus } from './graph-view';

const nodeId = (object: Record<string, unknown>) =>
  ((object.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {})['kro.run/node-id'];

/** Each node's state in one plan: what the reconcile did with it at that step. */
export function statesOf(plan: Plan, graph: Graph): Map<string, NodeStatus> {
  const states = new Map<string, NodeStatus>();
  const applied = new Set(plan.resources.map(nodeId).filter(Boolean));
  const pending = new Map(plan.pending.map((p) => [p.id, p.reason]));
  const excluded = new Set(plan.excluded);
  for (const r of graph.resources) {
    const reason = pending.get(r.id);
    if (excluded.has(r.id)) states.set(r.id, { state: 'excluded', detail: 'excluded: an includeWhen is false' });
    else if (reason?.code === 'awaitingObservation' || reason?.code === 'readyWhenFalse')
      states.set(r.id, { state: 'applied', detail: reason.message });
    else if (reason?.code === 'error' || reason?.code === 'stoppedByError')
      states.set(r.id, { state: 'failed', detail: reason.message });
    else if (reason) states.set(r.id, { state: 'waiting', detail: reason.message });
    else if (applied.has(r.id)) states.set(r.id, { state: 'ready', detail: '' });
    else if (r.external) states.set(r.id, { state: 'ready', detail: 'read from the cluster' });
    else states.set(r.id, { state: 'idle', detail: 'not planned' });
  }
  return states;
}

export const stateIcon: Record<NodeStatus['state'], string> = {
  ready: '✓',
  applied: '↻',
  waiting: '…',
  excluded: '⊘',
  failed: '✕',
  idle: '·',
};
