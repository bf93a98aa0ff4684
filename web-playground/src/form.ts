// The instance form: one field per field of the instance's spec, generated from the CRD the engine made of the
// RGD's SimpleSchema (types, defaults, enums, required fields, descriptions, bounds and `validation=` rules).
// It edits the Instance document itself, through the `yaml` library's document model, so comments and the
// order of keys survive; and the Instance editor's edits show in the form. What the API server would refuse is
// the engine's finding, shown under its field.
import { isMap, isScalar, parseDocument } from 'yaml';
import type { Diagnostic, KubernetesObject } from '@kro-rs/engine';

/** The OpenAPI schema of one field, as the CRD has it. */
interface FieldSchema {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, FieldSchema>;
  required?: string[];
  items?: FieldSchema;
  'x-kubernetes-validations'?: { rule?: string; message?: string }[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** The spec's schema in the CRD's first served version. */
export function specSchema(crd: KubernetesObject | null): FieldSchema | null {
  const versions = (crd?.spec as { versions?: { schema?: { openAPIV3Schema?: FieldSchema } }[] } | undefined)?.versions;
  return versions?.[0]?.schema?.openAPIV3Schema?.properties?.spec ?? null;
}

type Path = string[];

/** The value at `path` of the instance text, or undefined (also when the text is not YAML). */
function valueIn(text: string, path: Path): unknown {
  try {
    const doc = parseDocument(text, { version: '1.1' });
    const node = doc.getIn(path, true);
    return isScalar(node) ? node.value : node === undefined ? undefined : (doc.getIn(path) as unknown);
  } catch {
    return undefined;
  }
}

/** `text` with `value` at `path` (removed when undefined), keeping comments and key order; null when the text
 * is not a YAML mapping the form can edit. */
export function withValue(text: string, path: Path, value: unknown): string | null {
  const doc = parseDocument(text, { version: '1.1' });
  if (doc.errors.length || (doc.contents !== null && !isMap(doc.contents))) return null;
  if (value === undefined) doc.deleteIn(path);
  else doc.setIn(path, value);
  return doc.toString();
}

const label = (path: Path) => path.slice(1).join('.');

/** Renders the form for `schema` into `form`, with values from `text` and the findings about them. */
export function renderForm(
  form: HTMLFormElement,
  schema: FieldSchema | null,
  text: string,
  diagnostics: Diagnostic[],
  onEdit: (path: Path, value: unknown) => void,
) {
  const key = JSON.stringify(schema);
  if (form.dataset.schema !== key) {
    form.dataset.schema = key;
    form.replaceChildren();
    if (!schema?.properties || Object.keys(schema.properties).length === 0) {
      const p = document.createElement('p');
      p.className = 'form-note';
      p.textContent = schema ? 'The instance API has no spec fields.' : 'The form appears once the RGD is valid.';
      form.append(p);
      return;
    }
    fields(form, schema, ['spec'], onEdit);
  }
  // Values and findings follow the text, except in the field being typed in.
  for (const input of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-path]')) {
    const path = JSON.parse(input.dataset.path!) as Path;
    if (document.activeElement !== input) {
      const value = valueIn(text, path);
      if (input instanceof HTMLInputElement && input.type === 'checkbox') {
        input.checked = value === true;
        input.indeterminate = value === undefined;
      } else {
        input.value = value === undefined || value === null ? '' : String(value);
      }
    }
    const field = input.closest('.form-field');
    const error = field?.querySelector<HTMLElement>('.form-error');
    const found = diagnostics.filter((d) => d.path === path.join('.') || d.path.startsWith(`${path.join('.')}.`));
    if (error) {
      error.textContent = found.map((d) => d.message).join('; ');
      error.hidden = found.length === 0;
    }
    input.setAttribute('aria-invalid', String(found.some((d) => d.severity === 'error')));
  }
}

function fields(parent: HTMLElement, schema: FieldSchema, path: Path, onEdit: (path: Path, value: unknown) => void) {
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const here = [...path, name];
    const required = schema.required?.includes(name) ?? false;
    if (field.type === 'object' && field.properties) {
      const set = document.createElement('fieldset');
      const legend = document.createElement('legend');
      legend.textContent = label(here);
      set.append(legend);
      if (field.description) set.append(help(field.description));
      fields(set, field, here, onEdit);
      parent.append(set);
      continue;
    }
    parent.append(input(here, field, required, onEdit));
  }
}

function help(text: string): HTMLElement {
  const p = document.createElement('p');
  p.className = 'form-help';
  p.textContent = text;
  return p;
}

function input(path: Path, field: FieldSchema, required: boolean, onEdit: (path: Path, value: unknown) => void) {
  const wrap = document.createElement('div');
  wrap.className = 'form-field';
  const id = `field-${path.join('-')}`;
  const name = document.createElement('label');
  name.htmlFor = id;
  name.textContent = label(path) + (required ? ' *' : '');
  let control: HTMLInputElement | HTMLSelectElement;
  const read = (raw: string): unknown => {
    if (raw === '') return undefined;
    if (field.type === 'integer') return Number.isInteger(Number(raw)) ? Number(raw) : raw;
    if (field.type === 'number') return Number.isNaN(Number(raw)) ? raw : Number(raw);
    return raw;
  };
  if (field.enum) {
    const select = document.createElement('select');
    select.append(new Option(field.default !== undefined ? `(default: ${String(field.default)})` : '(unset)', ''));
    for (const value of field.enum) select.append(new Option(String(value), String(value)));
    select.addEventListener('change', () => onEdit(path, read(select.value)));
    control = select;
  } else if (field.type === 'boolean') {
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.addEventListener('change', () => onEdit(path, box.checked));
    control = box;
  } else if (field.type === 'string' || field.type === 'integer' || field.type === 'number') {
    const text = document.createElement('input');
    text.type = field.type === 'string' ? 'text' : 'number';
    if (field.minimum !== undefined) text.min = String(field.minimum);
    if (field.maximum !== undefined) text.max = String(field.maximum);
    if (field.default !== undefined) text.placeholder = `default: ${String(field.default)}`;
    text.addEventListener('input', () => onEdit(path, read(text.value)));
    control = text;
  } else {
    // Lists, maps and free-form objects are edited in the YAML.
    const text = document.createElement('input');
    text.type = 'text';
    text.readOnly = true;
    text.placeholder = `${field.type ?? 'any'}: edit it in the YAML`;
    control = text;
  }
  control.id = id;
  control.dataset.path = JSON.stringify(path);
  if (required) control.setAttribute('aria-required', 'true');
  wrap.append(name, control);
  const notes = [
    field.description,
    field.default !== undefined && field.type !== 'boolean' ? `default ${JSON.stringify(field.default)}` : '',
    field.minimum !== undefined || field.maximum !== undefined
      ? `between ${field.minimum ?? '−∞'} and ${field.maximum ?? '∞'}`
      : '',
    field.pattern ? `matches ${field.pattern}` : '',
    ...(field['x-kubernetes-validations'] ?? []).map((v) => v.message ?? v.rule ?? ''),
  ].filter(Boolean);
  if (notes.length) wrap.append(help(notes.join(' · ')));
  const error = document.createElement('p');
  error.className = 'form-error';
  error.hidden = true;
  error.setAttribute('role', 'alert');
  wrap.append(error);
  return wrap;
}
