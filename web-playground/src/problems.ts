// The problems of one analysis, wherever they are: each document's diagnostics (the RGD's, what the API server
// would refuse in the instance, an unreadable observed document), each with its range in its own document.
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
  return (['rgd', 'instance', 'observed'] as const).flatMap((doc) =>
    a.diagnostics[doc].map((d) => {
      const { from, to } = rangeToOffsets(texts[doc], d.range);
      // The API server's messages usually start with the path already.
      const located = doc === 'rgd' || !d.path || d.message.startsWith(d.path) ? d.message : `${d.path}: ${d.message}`;
      const message = d.help ? `${located}\nhelp: ${d.help}` : located;
      return { doc, severity: d.severity, code: d.code, message, from, to, line: d.range.start.line + 1 };
    }),
  );
}
