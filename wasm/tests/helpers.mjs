// Shared by the Node tests: where the repository is, and LSP position arithmetic done independently of the
// engine (JavaScript strings count UTF-16 units, as LSP does).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const repo = process.env.KRO_REPO ?? new URL('../..', import.meta.url).pathname;

export const read = (...parts) => readFileSync(join(repo, ...parts), 'utf8');
export const exists = (...parts) => existsSync(join(repo, ...parts));
export const list = (...parts) => readdirSync(join(repo, ...parts)).sort();

/** The LSP position of the end of `text` (where a cursor typing it would be). */
export function endPosition(text) {
  const lines = text.split('\n');
  return { line: lines.length - 1, character: lines[lines.length - 1].length };
}

/** The LSP position of a 1-based line and column counted in characters (code points), as the CLI prints. */
export function fromLineColumn(text, line, column) {
  if (!line) return { line: 0, character: 0 };
  const lineText = text.split('\n')[line - 1] ?? '';
  const before = Array.from(lineText).slice(0, Math.max(column - 1, 0)).join('');
  return { line: line - 1, character: before.length };
}

/** The LSP position just before the first occurrence of `needle` (plus `offset` UTF-16 units). */
export function positionOf(text, needle, offset = 0) {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`${needle} not in text`);
  return endPosition(text.slice(0, at + offset));
}
