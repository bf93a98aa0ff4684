// Compiled by types.test.mjs with `tsc --strict`: every function called as a user would, results narrowed.
import init, * as kro from '@kro-rs/engine';
import type { CompletionItem, Diagnostic, Graph, Plan, Range } from '@kro-rs/engine';

await init();
const text: string = 'apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\n';
const checked = kro.validate(text, { crds: [], featureGates: { CELOmitFunction: true }, denyWarnings: false });
const first: Diagnostic | undefined = checked.diagnostics[0];
const range: Range | undefined = first?.range;
const line: number = range?.start.line ?? 0;
const valid: boolean = checked.valid;

const g = kro.graph(text);
if (!('diagnostics' in g)) {
  const graphs: Graph[] = Array.isArray(g) ? g : [g];
  const waves: number[] = graphs.flatMap((x) => x.resources.map((r) => r.wave));
}
const crds = kro.crd(text);
const names: string[] = Array.isArray(crds) ? crds.map((c) => String(c.kind)) : crds.diagnostics.map((d) => d.code);
const yaml = kro.crdYaml(text);
const yamlText: string = typeof yaml === 'string' ? yaml : '';

const rendered = kro.render(text, { metadata: { name: 'a' } }, { observed: [], now: '2025-01-01T00:00:00Z', kroVersion: 'dev' });
if ('resources' in rendered) {
  const plan: Plan = rendered;
  const waiting: string[] = plan.pending.map((p) => `${p.id}: ${p.reason.code}`);
} else if ('instanceErrors' in rendered) {
  const messages: string[] = rendered.instanceErrors.map((e) => e.message);
}
const sim = kro.simulate(text, 'metadata: {name: a}', { observed: 'kind: Pod' });
if ('steps' in sim) {
  const active: boolean = sim.result.active;
}

const result = kro.evaluate('1 + 1', { x: 1 });
const value = 'value' in result ? result.value : result.error.message;

const items: CompletionItem[] = kro.complete(text, { line: 0, character: 3 }, { crds: [] });
const labels: string[] = items.map((i) => `${i.label} ${i.kind} ${i.detail ?? ''}`);
const h = kro.hover(text, { line: 0, character: 1 });
const contents: string | undefined = h?.contents;
const d = kro.definition(text, { line: 0, character: 1 });
const target: Range | undefined = d?.targetRange;
const outline: string[] = kro.symbols(text).map((s) => `${s.name}:${s.kind}:${s.children?.length ?? 0}`);
const schema: Record<string, unknown> = kro.rgdJsonSchema();
const v: string = kro.version();

const ws = new kro.Workspace({ featureGates: { CELOmitFunction: false }, denyWarnings: false });
const changed: boolean = ws.set('rgd.yaml', 'rgds', text);
ws.set('instance.yaml', 'instance', 'metadata: {name: a}');
const graphs = ws.graph('rgd.yaml');
const ids: string[] = graphs.type === 'graphs' ? graphs.graphs.flatMap((g) => g.topologicalOrder) : graphs.diagnostics.map((d) => d.code);
const planned = ws.render({ rgd: 'rgd.yaml', instance: 'instance.yaml' }, { now: '2025-01-01T00:00:00Z' });
switch (planned.type) {
  case 'plan': {
    const states: string[] = planned.plan.nodes.map((n) => `${n.id}=${n.state}`);
    const yamlOfPlan: string = planned.yaml;
    break;
  }
  case 'invalidInstance':
  case 'invalidRgd':
  case 'invalidObserved': {
    const lines: number[] = planned.diagnostics.map((d) => d.range.start.line);
    break;
  }
  case 'notOneRgd': {
    const found: number = planned.found;
    break;
  }
  case 'emptyInstance':
  case 'noSuchDocument':
    break;
}
const simulated = ws.simulate({ rgd: 'rgd.yaml', instance: 'instance.yaml', observed: 'observed.yaml' });
const steps: number = simulated.type === 'simulation' ? simulated.simulation.steps.length : 0;
const crdsResult = ws.crds('rgd.yaml');
const crdYamlText: string = crdsResult.type === 'crds' ? crdsResult.yaml : '';
const count: number = ws.compiles();
const wsItems: CompletionItem[] = ws.complete('rgd.yaml', { line: 0, character: 1 });
const wsHover = ws.hover('rgd.yaml', { line: 0, character: 1 });
const wsDefinition = ws.definition('rgd.yaml', { line: 0, character: 1 });
const wsSymbols = ws.symbols('rgd.yaml');
const wsDiagnostics: Diagnostic[] = ws.diagnostics('rgd.yaml');
const yamlText2: string = kro.toYaml({ a: 1 });
const request = { rgd: 'rgd.yaml', instance: 'instance.yaml' };
const events: kro.SimulatedEvent[] = [{ id: 'a', fromStep: 2, effect: 'failed', message: 'denied' }];
const summary = ws.simulation(request, { events });
if (summary.type === 'simulation') {
  const states: string[] = summary.steps.map((s) => `${s.step}:${s.state}:${s.applied}:${s.nodes.length}`);
  const cause: string = summary.result.active ? 'active' : summary.result.cause;
}
const oneStep = ws.step(request, 1);
const stepYaml: string = oneStep.type === 'step' ? oneStep.yaml + oneStep.reads.map((r) => r.name ?? r.selector).join() : '';
const valued = ws.values(request, 1);
if (valued.type === 'values') {
  for (const v of valued.values) {
    const where: number = v.range.start.line;
    const shown: string = v.outcome === 'value' ? JSON.stringify(v.value) : v.outcome === 'pending' ? v.reason : v.outcome;
  }
}
const breaking: string[] = kro.breakingChanges({ kind: 'CustomResourceDefinition' }, { kind: 'CustomResourceDefinition' }).map((c) => `${c.kind} ${c.path}: ${c.message}`);
ws.free();
