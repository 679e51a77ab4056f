/**
 * The common resource header (`kind`, `version`, `metadata`, `spec`) and the zod building blocks every
 * resource schema shares: Go-style booleans, Go duration strings, label selectors, string lists.
 */
import { z } from 'zod';
import { formatDuration, parseDuration } from '../duration.js';
import { BadParameterError } from '../errors.js';

/** Resource metadata, field names as Teleport's YAML/JSON. `expires` is RFC 3339. */
export interface Metadata {
  name: string;
  namespace?: string;
  description?: string;
  labels?: Record<string, string>;
  expires?: string;
  revision?: string;
}

/** Every resource: `{kind, version, sub_kind?, metadata, spec}`. */
export interface Resource<K extends string, S> {
  kind: K;
  version: string;
  sub_kind?: string;
  metadata: Metadata;
  spec: S;
}

/** Label selector values after normalisation: always a list (`'*': '*'` becomes `{'*': ['*']}`). */
export type LabelSelector = Record<string, string[]>;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** zod schema of an RFC 3339 timestamp string (also accepts a Date from YAML and re-emits ISO form). */
export const timestampSchema = z.union([z.string(), z.date()]).transform((v, ctx) => {
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (!RFC3339.test(v) || Number.isNaN(Date.parse(v))) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not an RFC 3339 time (as in 2026-01-02T15:04:05Z)` });
    return z.NEVER;
  }
  return v;
});

/** zod schema of the common metadata header; unknown metadata keys are refused. */
export const metadataSchema = z.strictObject({
  name: z.string({ error: 'name is required' }).min(1, 'name must not be empty'),
  namespace: z.string().optional(),
  description: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  expires: timestampSchema.optional(),
  revision: z.string().optional(),
  id: z.number().optional(),
});

const TRUE_WORDS = new Set(['true', 'yes', 'on', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', 'n', '0']);

/** Booleans as Teleport's YAML accepts them: true/false, yes/no, on/off (any case). */
export const boolSchema = z.union([z.boolean(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const s = v.trim().toLowerCase();
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  ctx.addIssue({ code: 'custom', message: `"${v}" is not a boolean (use true/false or yes/no)` });
  return z.NEVER;
});

/**
 * A Go duration: a string (`30h`, `1h30m`) or a number of nanoseconds (JSON form), normalised to the
 * Go string Teleport prints (`30h0m0s`). Negative durations are refused.
 */
export const durationSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    const ms = typeof v === 'number' ? Math.round(v / 1e6) : parseDuration(v);
    if (ms < 0) throw new BadParameterError(`negative duration "${v}"`);
    return formatDuration(ms);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
    return z.NEVER;
  }
});

/** Milliseconds of a duration string held in a resource (`undefined`/empty means 0). */
export function durationMs(value: string | undefined): number {
  return value ? parseDuration(value) : 0;
}

/** A list of strings that also accepts a single string (Go `utils.Strings`). */
export const stringListSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (typeof v === 'string' ? [v] : v));

/** A label selector: each key maps to one value or a list of values; normalised to lists. */
export const labelSelectorSchema = z.record(z.string(), stringListSchema);

/** Format a zod issue path the way our errors name fields: `spec.allow.rules[0].verbs`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/**
 * Run a zod schema and turn its first failure into a BadParameterError naming the field
 * (`spec.options.max_session_ttl: invalid duration "x"`).
 */
export function parseWith<T>(schema: z.ZodType, input: unknown, what: string): T {
  const res = schema.safeParse(input);
  if (res.success) return res.data as T;
  const issue = res.error.issues[0];
  const path = formatPath(issue.path);
  let msg = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    msg = `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
  }
  throw new BadParameterError(path ? `${path}: ${msg}` : `${what}: ${msg}`, { cause: res.error });
}

/** Check the top-level header of a resource object before its spec is looked at. */
export function checkHeader(input: unknown, kind: string, versions: readonly string[]): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new BadParameterError(`a ${kind} resource must be an object`);
  }
  const obj = input as Record<string, unknown>;
  if (obj.kind !== kind) throw new BadParameterError(`kind: expected "${kind}", got ${JSON.stringify(obj.kind)}`);
  if (typeof obj.version !== 'string' || !versions.includes(obj.version)) {
    throw new BadParameterError(
      `version: unsupported ${kind} version ${JSON.stringify(obj.version)} (supported: ${versions.join(', ')})`,
    );
  }
  for (const k of Object.keys(obj)) {
    if (!['kind', 'version', 'sub_kind', 'metadata', 'spec'].includes(k)) {
      throw new BadParameterError(`unknown top-level field "${k}" (expected kind, version, metadata, spec)`);
    }
  }
  return obj;
}

/** The header schema shared by resource schemas: kind literal, version, sub_kind, metadata. */
export function headerShape<K extends string>(kind: K, versions: readonly [string, ...string[]]) {
  return {
    kind: z.literal(kind),
    version: z.enum(versions),
    sub_kind: z.string().optional(),
    metadata: metadataSchema,
  };
}
