// The shareable link: the whole state, compressed into the URL's hash, so nothing leaves the browser. It holds
// the documents, the output tab and the simulator's step, so the link opens where its author was.
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';
import type { Documents } from './protocol';

const prefix = '#s=';

/** What a share link restores. */
export interface Shared {
  docs: Documents;
  /** The output tab. */
  tab?: string;
  /** The simulator's step (1-based); absent: the last. */
  step?: number;
}

export function encodeState(shared: Shared): string {
  const { docs, tab, step } = shared;
  return prefix + compressToEncodedURIComponent(JSON.stringify({ v: 2, ...docs, tab, step }));
}

/** The state in `hash`, or null when it holds none (or something unreadable: the page then starts fresh). */
export function decodeState(hash: string): Shared | null {
  if (!hash.startsWith(prefix)) return null;
  try {
    const text = decompressFromEncodedURIComponent(hash.slice(prefix.length));
    if (!text) return null;
    const state = JSON.parse(text) as Partial<Documents> & { v?: number; tab?: unknown; step?: unknown };
    if ((state.v !== 1 && state.v !== 2) || typeof state.rgd !== 'string') return null;
    const text_ = (value: unknown) => (typeof value === 'string' ? value : '');
    return {
      docs: {
        rgd: state.rgd,
        instance: text_(state.instance),
        observed: text_(state.observed),
        crds: text_(state.crds),
      },
      tab: typeof state.tab === 'string' ? state.tab : undefined,
      step: typeof state.step === 'number' && Number.isInteger(state.step) && state.step > 0 ? state.step : undefined,
    };
  } catch {
    return null;
  }
}
