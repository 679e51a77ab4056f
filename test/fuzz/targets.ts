/**
 * The synchronous parsers the fuzz tests drive, as plain functions of plain data, so they can run
 * in a worker thread (sync-target.ts) where a case that never returns is ended by its deadline.
 * A refusal comes back as data: whether it was one of our typed errors, its code and message.
 */
import { TeleportError } from '../../src/api/errors.js';
import { parseResources, toJSON, toYAML, type AnyResource } from '../../src/api/types/index.js';
import { parseConfig } from '../../src/config/index.js';

/** How a call ended. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; typed: boolean; code?: string; message: string };

function refusal(err: unknown): Outcome<never> {
  if (err instanceof TeleportError) return { ok: false, typed: true, code: err.code, message: err.message };
  return { ok: false, typed: false, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

/** parseConfig on `text` (as `fuzz.yaml`): the parsed config, as JSON data. */
export function parseConfigCase(text: string): Outcome<unknown> {
  try {
    return { ok: true, value: JSON.parse(JSON.stringify(parseConfig(text, { path: 'fuzz.yaml', hostname: 'fuzz-host' }))) as unknown };
  } catch (err) {
    return refusal(err);
  }
}

/** The resources as the wire sees them, keys sorted (YAML output sorts them), for comparing two reads. */
function canonical(resources: AnyResource[]): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sort(JSON.parse(toJSON(resources))));
}

/** parseResources on `text`; when accepted, the canonical form of the first read and of reading back tctl's YAML and JSON output. */
export function parseResourcesCase(text: string): Outcome<{ first: string; fromYAML: string; fromJSON: string }> {
  let resources: AnyResource[];
  try {
    resources = parseResources(text);
  } catch (err) {
    return refusal(err);
  }
  try {
    return { ok: true, value: { first: canonical(resources), fromYAML: canonical(parseResources(toYAML(resources))), fromJSON: canonical(parseResources(toJSON(resources))) } };
  } catch (err) {
    // Reading back what we printed must not fail: report it as an untyped outcome the test rejects.
    const r = refusal(err);
    return { ok: false, typed: false, message: `reading back the printed resources failed: ${r.ok ? '' : r.message}` };
  }
}

/** Never returns: the harness's own test (sync-target.test.ts) proves such a case is ended by its deadline. */
export function spinForever(): Outcome<never> {
  let n = 0;
  while (n >= 0) n = (n + 1) % 1000;
  return { ok: false, typed: false, message: 'unreachable' };
}
