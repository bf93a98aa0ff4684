// The repository's examples/, bundled at build time (no fetch at run time): each RGD with its instance and,
// where the example has one, the objects the cluster is assumed to hold.
import type { Documents } from './protocol';

const files = import.meta.glob('../../examples/*/*.yaml', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

export interface Example extends Documents {
  name: string;
  /** The first comment line of the RGD, as a one-line description. */
  title: string;
}

function build(): Example[] {
  const byName = new Map<string, Partial<Record<string, string>>>();
  for (const [path, text] of Object.entries(files)) {
    const match = /examples\/([^/]+)\/([^/]+)\.yaml$/.exec(path);
    if (!match) continue;
    const [, name, file] = match as unknown as [string, string, string];
    const entry = byName.get(name) ?? {};
    entry[file] = text;
    byName.set(name, entry);
  }
  const examples: Example[] = [];
  for (const [name, entry] of byName) {
    if (!entry.rgd) continue;
    const comment = entry.rgd.split('\n').find((line) => line.startsWith('# '));
    examples.push({
      name,
      title: comment ? comment.slice(2).replace(/[.:]$/, '') : name,
      rgd: entry.rgd,
      instance: entry.instance ?? '',
      observed: entry.observed ?? '',
      crds: entry.crds ?? '',
    });
  }
  // The walk-through's example first: it is the one kro's docs start with.
  return examples.sort((a, b) => (a.name === 'webapp' ? -1 : b.name === 'webapp' ? 1 : a.name.localeCompare(b.name)));
}

export const examples = build();
