/**
 * What the `tctl <kind> ls` commands share: their arguments and flags (a label filter, --format,
 * -v), the filter itself, and printing the items as Teleport's table, JSON or YAML.
 */
import type { ArgSpec, CliOutput, FlagSpec } from '../framework/index.js';
import { makeTable, toGoJSON, toTeleportYAML } from '../framework/index.js';
import { parseLabelSpec } from './text-formats.js';

/** The `[labels]` argument of a listing. */
export const LABELS_ARG: ArgSpec = { name: 'labels', help: 'List of comma separated labels to filter by labels (e.g. key1=value1,key2=value2)' };

/** `--format` and `-v` of a listing (labels are never shortened here, so -v prints what the table prints). */
export const LISTING_FLAGS: FlagSpec[] = [
  { name: 'format', type: 'string', enum: ['text', 'json', 'yaml'], help: "Output format, 'text', 'json', or 'yaml'" },
  { name: 'verbose', short: 'v', type: 'bool', help: 'Verbose table output, shows full label output' },
];

/** The label filter of the `labels` argument: a predicate over an item's labels (all pairs must match). */
export function labelFilter(arg: unknown): (labels: Record<string, string>) => boolean {
  const want = typeof arg === 'string' ? parseLabelSpec(arg) : {};
  return (labels) => Object.entries(want).every(([k, v]) => labels[k] === v);
}

/** Writes `items` as JSON or YAML when `format` asks, else the table of `header` and `rows(items)`. */
export function writeListing<T>(out: CliOutput, format: unknown, items: T[], header: string[], rows: (items: T[]) => string[][]): void {
  if (format === 'json') out.write(toGoJSON(items));
  else if (format === 'yaml') out.write(toTeleportYAML(items));
  else out.write(makeTable(header, rows(items)));
}
