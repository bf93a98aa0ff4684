// The values of the RGD's expressions at the simulator's step, as the editor shows them: in one line inline,
// in full on hover. The engine evaluates; this only writes its answers.
import type { Text } from '@codemirror/state';
import type { ExpressionValue, ValueOutcome } from '@kro-rs/engine';
import { rangeToOffsets, type ShownValue } from './editor';

const clip = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

function describe(outcome: ValueOutcome): { short: string; long: string } {
  switch (outcome.outcome) {
    case 'value': {
      const json = JSON.stringify(outcome.value);
      return { short: clip(json, 40), long: JSON.stringify(outcome.value, null, 2) };
    }
    case 'items': {
      const parts = outcome.items.map((item) => describe(item));
      const more = outcome.total > outcome.items.length ? ` (first ${outcome.items.length} of ${outcome.total})` : '';
      return {
        short: clip(`[${parts.map((p) => p.short).join(', ')}]`, 40),
        long: `per item${more}:\n${parts.map((p, i) => `${i}: ${p.long}`).join('\n')}`,
      };
    }
    case 'pending':
      return { short: 'pending', long: `pending: ${outcome.reason}` };
    case 'excluded':
      return {
        short: 'excluded',
        long: 'excluded at this step: an includeWhen is false, or it reads an excluded resource',
      };
    case 'failed':
      return { short: 'failed', long: `failed: ${outcome.message}` };
  }
}

/** The engine's values placed in `text` (the RGD). */
export function shownValues(values: ExpressionValue[], text: Text): ShownValue[] {
  return values.map((v) => {
    const { from, to } = rangeToOffsets(text, v.range);
    return { from, to, outcome: v.outcome, ...describe(v) };
  });
}

/** The value whose expression holds `pos` (the `${` and `}` around it included). */
export function valueAt(values: ShownValue[], pos: number): ShownValue | null {
  return values.find((v) => pos >= v.from - 2 && pos <= v.to + 1) ?? null;
}
