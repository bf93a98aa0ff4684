// The YAML shown in the output tabs: the generated CRD, the resources applied at the simulator's step and the
// instance's status there (all written by the engine), each saying plainly where it comes from (and why it is
// missing when it is).
import type { Analysis, Step } from './protocol';

export type OutName = 'crd' | 'resources' | 'status';

/** The text of an output tab at the simulator's step `index` (`step`) of `total`. */
export function outputText(
  tab: OutName,
  analysis: Analysis | null,
  step: Step | null,
  index: number,
  total: number,
  lastCrd: string | null,
): string {
  if (!analysis) return '';
  if (tab === 'crd') {
    if (analysis.crdYaml) return analysis.crdYaml;
    if (lastCrd) return `# The RGD has errors; this is the CRD of its last valid version.\n${lastCrd}`;
    return '# The CRD appears here once the RGD is valid.\n';
  }
  if (!step) {
    if (analysis.diagnostics.instance.some((d) => d.severity === 'error')) {
      return '# The API server would refuse this instance: see the problems list.\n';
    }
    if (analysis.diagnostics.observed.length) return '# The observed objects cannot be read: see the problems list.\n';
    if (!analysis.graph) return '# Fix the RGD’s errors to render the instance.\n';
    return `# ${analysis.note ?? 'Nothing to render.'}\n`;
  }
  const plan = step.plan;
  const where = `step ${index + 1} of ${total} of the simulated reconcile`;
  if (tab === 'resources') {
    const waiting = plan.pending.filter((p) => p.reason.code !== 'awaitingObservation');
    const header = [
      `# ${plan.resources.length} resource${plan.resources.length === 1 ? '' : 's'} applied at ${where}, in apply order.`,
      ...waiting.map((p) => `# waiting: ${p.id} (${p.reason.message})`),
      ...plan.excluded.map((id) => `# excluded: ${id}`),
    ].join('\n');
    return `${header}\n${step.resourcesYaml}`;
  }
  return `# The instance at ${where}.\n${step.statusYaml}`;
}
