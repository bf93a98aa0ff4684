// The documents are kept in this browser's storage as they change, so a reload does not lose an afternoon's work.
import type { Documents } from './protocol';

const SAVED = 'kro-playground-documents';
export function save(current: Documents) {
  try {
    localStorage.setItem(SAVED, JSON.stringify(current));
  } catch {
    // Storage full or disabled (private windows): the page works the same, only without the safety net.
  }
}
export function saved(): Documents | null {
  try {
    const value = JSON.parse(localStorage.getItem(SAVED) ?? 'null') as Partial<Documents> | null;
    if (!value || typeof value.rgd !== 'string') return null;
    return { rgd: value.rgd, instance: value.instance ?? '', observed: value.observed ?? '', crds: value.crds ?? '' };
  } catch {
    return null;
  }
}
