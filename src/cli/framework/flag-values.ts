/**
 * Turning the raw strings the parser collected into typed flag values, with env var and default
 * fallbacks and kingpin's error texts (`enum value must be one of a,b, got 'x'`).
 */
import { parseDuration } from '../../api/duration.js';
import type { FlagSpec } from './args.js';
import { UsageError } from './report-error.js';

/** One occurrence of a flag on the command line. `value` is undefined for a bare bool flag. */
export interface FlagOccurrence {
  spec: FlagSpec;
  value?: string;
  /** `--no-x` was used. */
  inverted: boolean;
}

/** Go's strconv.ParseBool. */
export function parseGoBool(s: string, commandPath = ''): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new UsageError(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`, commandPath);
}

function checkEnum(spec: FlagSpec, v: string, commandPath: string): string {
  if (spec.enum && !spec.enum.includes(v)) {
    throw new UsageError(`enum value must be one of ${spec.enum.join(',')}, got '${v}'`, commandPath);
  }
  return v;
}

function toDuration(s: string, commandPath: string): number {
  try {
    return parseDuration(s);
  } catch {
    throw new UsageError(`time: invalid duration ${JSON.stringify(s)}`, commandPath);
  }
}

function toInt(s: string, commandPath: string): number {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new UsageError(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`, commandPath);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new UsageError(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`, commandPath);
  return n;
}

function splitList(s: string): string[] {
  return s
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** Fold one raw value into the flag's current value. */
function apply(spec: FlagSpec, current: unknown, raw: string | undefined, inverted: boolean, path: string): unknown {
  switch (spec.type) {
    case 'bool': {
      const v = raw === undefined ? true : parseGoBool(raw, path);
      return inverted ? !v : v;
    }
    case 'string':
      return checkEnum(spec, raw ?? '', path);
    case 'int':
      return toInt(raw ?? '', path);
    case 'duration':
      return toDuration(raw ?? '', path);
    case 'list': {
      const prev = Array.isArray(current) ? (current as string[]) : [];
      return [...prev, ...splitList(raw ?? '').map((v) => checkEnum(spec, v, path))];
    }
    case 'repeated': {
      const prev = Array.isArray(current) ? (current as string[]) : [];
      return [...prev, checkEnum(spec, raw ?? '', path)];
    }
  }
}

function defaultValue(spec: FlagSpec): unknown {
  const d = spec.default;
  switch (spec.type) {
    case 'bool':
      return d === undefined ? false : Boolean(d);
    case 'list':
    case 'repeated':
      if (d === undefined) return [];
      return Array.isArray(d) ? [...(d as unknown[])].map(String) : splitList(String(d));
    case 'duration':
      if (typeof d === 'string') return parseDuration(d);
      return d;
    default:
      return d;
  }
}

function fromEnv(spec: FlagSpec, raw: string, path: string): unknown {
  if (spec.type === 'repeated') {
    // kingpin splits cumulative env values on newlines.
    return raw
      .split(/\r?\n/)
      .filter((v) => v.length > 0)
      .map((v) => checkEnum(spec, v, path));
  }
  return apply(spec, undefined, raw, false, path);
}

/**
 * Resolve every flag in `specs`: occurrences in command-line order (repeats of single-value flags:
 * last wins, list/repeated accumulate), else the env var when set and non-empty, else the default.
 * Throws UsageError for a bad value or a missing required flag (`required flag --x not provided`).
 */
export function resolveFlags(
  specs: FlagSpec[],
  occurrences: FlagOccurrence[],
  env: Record<string, string | undefined>,
  commandPath: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const occ of occurrences) {
    const name = occ.spec.name;
    out[name] = apply(occ.spec, seen.has(name) ? out[name] : undefined, occ.value, occ.inverted, commandPath);
    seen.add(name);
  }
  for (const spec of specs) {
    if (seen.has(spec.name)) continue;
    const envRaw = spec.env !== undefined ? env[spec.env] : undefined;
    if (envRaw !== undefined && envRaw !== '') {
      out[spec.name] = fromEnv(spec, envRaw, commandPath);
      continue;
    }
    if (spec.required && spec.default === undefined) {
      throw new UsageError(`required flag --${spec.name} not provided`, commandPath);
    }
    out[spec.name] = defaultValue(spec);
  }
  return out;
}
