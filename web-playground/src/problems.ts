// The problems of one analysis, wherever they are: each document's diagnostics (the RGD's, what the API server
// would refuse in the instance, an unreadable observed or CRD document), each with its range in its own
// document; and the errors the simulated reconcile ran into (a plan error of a resource, and every finding the
// engine attaches to one), shown at the resource in the RGD.
import type { Text } from '@codemirror/state';
import type { Diagnostic, Graph, Range, StepSummary } from '@kro-rs/engine';
import { rangeToOffsets } from './editor';
import { docNames, type Analysis, type DocName } from './protocol';

export interface Problem {
  doc: DocName;
  severity: 'error' | 'warning';
  code: string;
  message: string;
  from: number;
  to: number;
  line: number;
}

/** A finding the engine attaches to a waiting resource (what the API server would refuse in what it renders). */
interface Attached {
  severity?: 'error' | 'warning';
  code?: string;
  message?: string;
  range?: Range;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

/** The findings a pending entry carries, if the engine attached any (a field plans may have; read defensively). */
function attached(pending: StepSummary['pending'][number]): Attached[] {
  const found = (pending as { diagnostics?: unknown }).diagnostics;
  return Array.isArray(found) ? (found.filter((d) => d && typeof d === 'object') as Attached[]) : [];
}

/** A 1-based line and column (characters) as an offset of `text`. */
function offsetOf(text: Text, line: number, column: number): number {
  const l = text.line(Math.min(Math.max(line, 1), text.lines));
  return Math.min(l.from + Math.max(column - 1, 0), l.to);
}

/** The errors of the simulation's last step (where it stopped), at their resources in the RGD. */
function planProblems(steps: StepSummary[], graph: Graph | null, rgd: Text): Problem[] {
  const last = steps.at(-1);
  if (!last) return [];
  const where = `at step ${last.step} of the simulated reconcile`;
  return last.pending.flatMap((p): Problem[] => {
    const resource = graph?.resources.find((r) => r.id === p.id);
    const at = resource ? rangeToOffsets(rgd, resource.idRange) : { from: 0, to: 0 };
    const line = rgd.lineAt(at.from).number;
    const found = attached(p).map((d): Problem => {
      const range = d.range
        ? rangeToOffsets(rgd, d.range)
        : d.line
          ? {
              from: offsetOf(rgd, d.line, d.column ?? 1),
              to: offsetOf(rgd, d.endLine ?? d.line, d.endColumn ?? d.column ?? 1),
            }
          : at;
      return {
        doc: 'rgd',
        severity: d.severity ?? 'error',
        code: d.code ?? p.reason.code,
        message: `${p.id}: ${d.message ?? p.reason.message} (${where})`,
        from: range.from,
        to: Math.max(range.from, range.to),
        line: rgd.lineAt(range.from).number,
      };
    });
    if (found.length || p.reason.code !== 'error') return found;
    return [
      {
        doc: 'rgd',
        severity: 'error',
        code: 'plan-error',
        message: `${p.id}: ${p.reason.message} (${where})`,
        ...at,
        line,
      },
    ];
  });
}

export function problemsOf(a: Analysis, texts: Record<DocName, Text>, graph: Graph | null): Problem[] {
  const found = docNames.flatMap((doc) =>
    a.diagnostics[doc].map((d: Diagnostic): Problem => {
      const { from, to } = rangeToOffsets(texts[doc], d.range);
      // The API server's messages usually start with the path already.
      const located = doc === 'rgd' || !d.path || d.message.startsWith(d.path) ? d.message : `${d.path}: ${d.message}`;
      const message = d.help ? `${located}\nhelp: ${d.help}` : located;
      return { doc, severity: d.severity, code: d.code, message, from, to, line: d.range.start.line + 1 };
    }),
  );
  return [...found, ...planProblems(a.steps, graph, texts.rgd)];
}
