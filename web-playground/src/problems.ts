// The problems of one analysis, wherever they are: the RGD's diagnostics, the instance's errors (what the API
// server would refuse) and an unreadable observed document, each with its range in its own document.
import type { Text } from '@codemirror/state';
import { rangeToOffsets } from './editor';
import type { Analysis, Documents } from './protocol';

export type DocName = keyof Documents;

export interface Problem {
  doc: DocName;
  severity: 'error' | 'warning';
  code: string;
  message: string;
  from: number;
  to: number;
  line: number;
}

export function problemsOf(a: Analysis, texts: Record<DocName, Text>): Problem[] {
  const rgd = texts.rgd;
  const instance = texts.instance;
  const list: Problem[] = a.diagnostics.map((d) => {
    const { from, to } = rangeToOffsets(rgd, d.range);
    const message = d.help ? `${d.message}\nhelp: ${d.help}` : d.message;
    return { doc: 'rgd', severity: d.severity, code: d.code, message, from, to, line: d.range.start.line + 1 };
  });
  for (const e of a.instanceErrors) {
    const { from, to } = e.range ? rangeToOffsets(instance, e.range) : { from: 0, to: 0 };
    const line = e.range ? e.range.start.line + 1 : 1;
    // The API server's messages usually start with the path already.
    const message = !e.path || e.message.startsWith(e.path) ? e.message : `${e.path}: ${e.message}`;
    list.push({ doc: 'instance', severity: 'error', code: 'instance', message, from, to, line });
  }
  if (a.observedError) {
    const observed = texts.observed;
    const line = observed.line(Math.min(Math.max(a.observedError.line, 1), observed.lines));
    list.push({
      doc: 'observed',
      severity: 'error',
      code: 'observed',
      message: a.observedError.message,
      from: line.from,
      to: line.to,
      line: line.number,
    });
  }
  return list;
}
