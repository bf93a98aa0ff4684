// JSON values as YAML, for the rendered resources and the instance status. Any string that a YAML 1.1 reader
// could take for something else (a number, a boolean like `on`, a null, or text with YAML syntax in it) is
// written as a JSON string, which is valid YAML, so the output reads back as exactly the value.

const plain = /^[A-Za-z_/][-A-Za-z0-9_./ ]*$/;
const reserved = /^(y|yes|n|no|true|false|on|off|null|~)$/i;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    return plain.test(value) && !reserved.test(value) && !value.endsWith(' ') ? value : JSON.stringify(value);
  }
  return String(value);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const key = (k: string) => scalar(k);

function lines(value: unknown, indent: string, out: string[]) {
  if (Array.isArray(value)) {
    for (const item of value) {
      if ((isObject(item) && Object.keys(item).length > 0) || (Array.isArray(item) && item.length > 0)) {
        const nested: string[] = [];
        lines(item, indent + '  ', nested);
        // The first line of the nested block moves up behind the dash.
        out.push(`${indent}- ${nested[0]!.slice(indent.length + 2)}`, ...nested.slice(1));
      } else {
        out.push(`${indent}- ${inline(item)}`);
      }
    }
    return;
  }
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if ((isObject(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.length > 0)) {
        out.push(`${indent}${key(k)}:`);
        lines(v, Array.isArray(v) ? indent : indent + '  ', out);
      } else {
        out.push(`${indent}${key(k)}: ${inline(v)}`);
      }
    }
    return;
  }
  out.push(indent + scalar(value));
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return '[]';
  if (isObject(value)) return '{}';
  return scalar(value);
}

/** One document. */
export function toYaml(value: unknown): string {
  if (!isObject(value) && !Array.isArray(value)) return scalar(value) + '\n';
  if (isObject(value) && Object.keys(value).length === 0) return '{}\n';
  if (Array.isArray(value) && value.length === 0) return '[]\n';
  const out: string[] = [];
  lines(value, '', out);
  return out.join('\n') + '\n';
}

/** Several documents, separated by `---`. */
export function toYamlDocuments(values: unknown[]): string {
  return values.map(toYaml).join('---\n');
}
