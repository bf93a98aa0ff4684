// The YAML shown in the output tabs: the generated CRD, the resources applied at the simulator's step and the
// instance's status there, each saying plainly where it comes from (and why it is missing when it is).
import type { Plan } from '@kro-rs/engine';
import type { Analysis } from './protocol';
import { toYaml, toYamlDocuments } from './yaml';

export type OutName = 'crd' | 'resources' | 'status';

/** The text of an output tab, for the simulator's current step (`plan`, step `step` of `total`). */
export function outputText(
  tab: OutName,
  analysis: Analysis | null,
  plan: Plan | null,
  step: number,
  total: number,
  lastCrd: string | null,
): string {
  if (!analysis) return '';
  if (tab === 'crd') {
    if (analysis.crdYaml) return analysis.crdYaml;
    if (lastCrd) return `# The RGD has errors; this is the CRD of its last valid version.\n${lastCrd}`;
    return '# The CRD appears here once the RGD is valid.\n';
  }
  if (!plan) {
    if (analysis.instanceErrors.length) return '# The API server would refuse this instance: see the problems list.\n';
    if (analysis.observedError) return '# The observed objects cannot be read: see the problems list.\n';
    if (!analysis.graph) return '# Fix the RGD’s errors to render the instance.\n';
    return `# ${analysis.instanceNote ?? 'Nothing to render.'}\n`;
  }
  const where = total ? `step ${step + 1} of ${total} of the simulated reconcile` : 'the plan';
  if (tab === 'resources') {
    const waiting = plan.pending.filter((p) => p.reason.code !== 'awaitingObservation');
    const header = [
      `# ${plan.resources.length} resource${plan.resources.length === 1 ? '' : 's'} applied at ${where}, in apply order.`,
      ...waiting.map((p) => `# waiting: ${p.id} (${p.reason.message})`),
      ...plan.excluded.map((id) => `# excluded: ${id}`),
    ].join('\n');
    return `${header}\n${plan.resources.length ? '---\n' + toYamlDocuments(plan.resources) : ''}`;
  }
  return `# The instance at ${where}.\n${toYaml({ status: { state: plan.state, ...plan.status } })}`;
}
