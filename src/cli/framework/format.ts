/**
 * `--format=text|json|yaml` output as Teleport's tools write it: JSON through Go's json.Encoder
 * with a four-space indent (HTML-sensitive characters escaped, trailing newline), YAML through
 * ghodss/yaml (keys sorted, block sequences not indented, lists of objects as `---` documents).
 */
import { stringify } from 'yaml';
import { BadParameterError } from '../../api/errors.js';
import type { CliIO } from './io.js';

/** The formats writeFormatted understands. */
export type OutputFormat = 'text' | 'json' | 'yaml';

/** Allowed values of a `--format` flag, for FlagSpec.enum. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'yaml'];

/** Round-trip through JSON, as Go marshals structs: drops undefined, turns Dates into strings. */
function plain(value: unknown): unknown {
  const s = JSON.stringify(value);
  return s === undefined ? null : JSON.parse(s);
}

/** Go's `json.Encoder` with `SetIndent("", "    ")`: 4-space indent, `<>&` and U+2028/9 escaped, newline. */
export function toGoJSON(value: unknown): string {
  const s = JSON.stringify(value ?? null, null, 4) ?? 'null';
  return (
    s.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n'
  );
}

function yamlDoc(value: unknown): string {
  return stringify(value, { indentSeq: false, sortMapEntries: true, lineWidth: 80 });
}

function isDoc(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Teleport's WriteYAML: a list whose items are all objects prints each as its own document
 * separated by `---`; an empty list prints `[]`; anything else is one YAML document.
 */
export function toTeleportYAML(value: unknown): string {
  const v = plain(value);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]\n';
    if (v.every(isDoc)) return v.map(yamlDoc).join('---\n');
  }
  return yamlDoc(v);
}

/**
 * Write `value` to io.stdout in `format`; `text` writes what `textRenderer` returns as is.
 * Throws BadParameterError for any other format.
 */
export function writeFormatted<T>(io: CliIO, format: string, value: T, textRenderer: (value: T) => string): void {
  switch (format.toLowerCase()) {
    case 'text':
    case '':
      io.stdout.write(textRenderer(value));
      return;
    case 'json':
      io.stdout.write(toGoJSON(plain(value)));
      return;
    case 'yaml':
      io.stdout.write(toTeleportYAML(value));
      return;
    default:
      throw new BadParameterError(`unsupported format ${JSON.stringify(format)}, supported formats are: text, json, yaml`);
  }
}
