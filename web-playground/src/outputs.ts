// The text of the output tabs: the generated CRD, the resources applied at the simulator's step and the
// instance's status there (all written by the engine), and the comparison with a kept version, each saying
// plainly where it comes from (and why it is missing when it is).
import { createTwoFilesPatch } from 'diff';
import type { Analysis, StepDetail } from './protocol';

export type OutName = 'crd' | 'resources' | 'status' | 'compare';
export const outNames: OutName[] = ['crd', 'resources', 'status', 'compare'];

/** The text of an output tab at the simulator's step `detail` of `total`. */
export function outputText(
  tab: OutName,
  analysis: Analysis | null,
  detail: StepDetail | null,
  total: number,
  lastCrd: string | null,
  kept: boolean,
): string {
  if (!analysis) return '';
  if (tab === 'crd') {
    if (analysis.crdYaml) return analysis.crdYaml;
    if (lastCrd) return `# The RGD has errors; this is the CRD of its last valid version.\n${lastCrd}`;
    return '# The CRD appears here once the RGD is valid.\n';
  }
  if (tab === 'compare') return compareText(analysis, kept);
  if (!detail) {
    if (analysis.diagnostics.instance.some((d) => d.severity === 'error')) {
      return '# The API server would refuse this instance: see the problems list.\n';
    }
    if (analysis.diagnostics.observed.length) return '# The observed objects cannot be read: see the problems list.\n';
    if (!analysis.graph) return '# Fix the RGD’s errors to render the instance.\n';
    return `# ${analysis.note ?? 'Nothing to render.'}\n`;
  }
  const plan = detail.plan;
  const where = `step ${detail.step} of ${total} of the simulated reconcile`;
  if (tab === 'resources') {
    const waiting = plan.pending.filter((p) => p.reason.code !== 'awaitingObservation');
    const header = [
      `# ${plan.resources.length} resource${plan.resources.length === 1 ? '' : 's'} applied at ${where}, in apply order.`,
      ...waiting.map((p) => `# waiting: ${p.id} (${p.reason.message})`),
      ...plan.excluded.map((id) => `# excluded: ${id}`),
    ].join('\n');
    return `${header}\n${detail.resourcesYaml}`;
  }
  return `# The instance at ${where}.\n${detail.statusYaml}`;
}

/** The kept version against the current one: the CRD's diff, then the rendered resources' diff. */
function compareText(analysis: Analysis, kept: boolean): string {
  if (!kept) {
    return '# Keep a version with "Keep this version" above the RGD editor; this tab then shows how later\n# edits change the CRD (breaking changes flagged) and the rendered resources.\n';
  }
  const c = analysis.comparison;
  if (!c) return '# Comparing…\n';
  const patch = (name: string, before: string | null, after: string | null) => {
    if (before === null || after === null) return `# ${name}: nothing to compare.\n`;
    if (before === after) return `# ${name}: unchanged.\n`;
    return createTwoFilesPatch(`kept/${name}`, `current/${name}`, before, after, '', '', { context: 3 });
  };
  return [
    c.note ? `# ${c.note}\n` : '',
    c.breaking.length
      ? `# ${c.breaking.length} breaking change${c.breaking.length === 1 ? '' : 's'} for instances already stored:\n${c.breaking.map((b) => `#   ${b.path}: ${b.message}`).join('\n')}\n`
      : '# No breaking change for instances already stored.\n',
    patch('crd.yaml', c.baselineCrdYaml, c.crdYaml),
    patch('resources.yaml', c.baselineResourcesYaml, c.resourcesYaml),
  ].join('');
}
