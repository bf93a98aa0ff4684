// The shareable link: the whole state, compressed into the URL's hash, so nothing leaves the browser.
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';
import type { Documents } from './protocol';

const prefix = '#s=';

export function encodeState(docs: Documents): string {
  return prefix + compressToEncodedURIComponent(JSON.stringify({ v: 1, ...docs }));
}

/** The documents in `hash`, or null when it holds none (or something unreadable: the page then starts fresh). */
export function decodeState(hash: string): Documents | null {
  if (!hash.startsWith(prefix)) return null;
  try {
    const text = decompressFromEncodedURIComponent(hash.slice(prefix.length));
    if (!text) return null;
    const state = JSON.parse(text) as Partial<Documents> & { v?: number };
    if (state.v !== 1 || typeof state.rgd !== 'string') return null;
    return {
      rgd: state.rgd,
      instance: typeof state.instance === 'string' ? state.instance : '',
      observed: typeof state.observed === 'string' ? state.observed : '',
    };
  } catch {
    return null;
  }
}
