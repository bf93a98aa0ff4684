// Export: the RGD, its CRD, the instance and one file per rendered resource, zipped (fflate) in the browser.
import { strToU8, zipSync } from 'fflate';
import type { KubernetesObject } from '@kro-rs/engine';

export interface Exported {
  rgd: string;
  crd: string | null;
  instance: string;
  /** The rendered resources and their YAML documents, in apply order. */
  resources: { object: KubernetesObject; yaml: string }[];
}

const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'unnamed';

/** The file names in the zip, in order: `rgd.yaml`, `crd.yaml`, `instance.yaml`, `resources/NN-kind-name.yaml`. */
export function zipEntries(e: Exported): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = { 'rgd.yaml': strToU8(e.rgd) };
  if (e.crd) files['crd.yaml'] = strToU8(e.crd);
  if (e.instance.trim()) files['instance.yaml'] = strToU8(e.instance);
  e.resources.forEach(({ object, yaml }, i) => {
    const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
    const name = [metadata.namespace, metadata.name].filter(Boolean).join('-');
    const file = `resources/${String(i + 1).padStart(2, '0')}-${safe(String(object.kind ?? 'object').toLowerCase())}-${safe(name)}.yaml`;
    files[file] = strToU8(yaml);
  });
  return files;
}

export function zip(e: Exported): Blob {
  const bytes = zipSync(zipEntries(e), { level: 6 });
  return new Blob([bytes.buffer as ArrayBuffer], { type: 'application/zip' });
}

/** The YAML documents of a multi-document text the engine wrote (each starts with `---`). */
export function documents(yaml: string): string[] {
  return yaml
    .split(/^(?=---$)/m)
    .map((d) => d)
    .filter((d) => d.trim() && d.trim() !== '---');
}
