/**
 * Bounds on resource text and on any decoded JSON/YAML value (request bodies, resource files), so that
 * one input cannot hold a process for seconds or fill its memory: the text's size, the nesting depth
 * and the entries of any one object or list (a role's labels, logins, rules).
 */
import { BadParameterError, LimitExceededError } from '../errors.js';

/** Largest resource text (YAML or JSON, all documents) `parseResources` and `tctl create` accept. */
export const MAX_RESOURCE_TEXT = 4 * 1024 * 1024;

/** Bounds of a decoded value. */
export interface StructureLimits {
  /** Deepest nesting of objects and lists (the top level is depth 1). */
  maxDepth: number;
  /** Most entries in one object or list. */
  maxEntries: number;
}

/** The bounds of resources and request bodies: Teleport's resources nest about 8 deep and hold tens of entries. */
export const STRUCTURE_LIMITS: StructureLimits = { maxDepth: 32, maxEntries: 10_000 };

/** `1048576` → `1 MiB`, for limits named in messages. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** Throws LimitExceededError when `text` is larger than `max` bytes (UTF-8). `what` names the input. */
export function checkTextSize(text: string, max: number, what: string): void {
  // Length in UTF-16 units is at most the UTF-8 length: only count bytes when it could matter.
  if (text.length * 3 <= max) return;
  const size = new TextEncoder().encode(text).length;
  if (size > max) throw new LimitExceededError(`${what} is ${size} bytes, larger than the limit of ${formatBytes(max)}`);
}

/**
 * Throws BadParameterError naming the field when `value` nests deeper than `maxDepth`, one of its
 * objects or lists has more than `maxEntries` entries, or an object has a `__proto__` key. `where`
 * prefixes the message.
 */
export function checkStructure(value: unknown, where = 'input', limits: StructureLimits = STRUCTURE_LIMITS): void {
  walk(value, '', 1);

  function walk(v: unknown, path: string, depth: number): void {
    if (v === null || typeof v !== 'object') return;
    const at = path === '' ? where : `${where}: ${path}`;
    if (depth > limits.maxDepth) throw new BadParameterError(`${at} nests deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(v)) {
      if (v.length > limits.maxEntries) throw new BadParameterError(`${at} has ${v.length} entries, more than the limit of ${limits.maxEntries}`);
      v.forEach((item, i) => walk(item, `${path}[${i}]`, depth + 1));
      return;
    }
    const keys = Object.keys(v);
    if (keys.length > limits.maxEntries) throw new BadParameterError(`${at} has ${keys.length} entries, more than the limit of ${limits.maxEntries}`);
    // JSON.parse and YAML keep "__proto__" as a key, but any later copy by assignment turns it into the
    // object's prototype: the field vanishes (a stored resource would read back different) or injects.
    if (Object.hasOwn(v, '__proto__')) throw new BadParameterError(`${at}: a key named "__proto__" is not allowed`);
    for (const k of keys) walk((v as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`, depth + 1);
  }
}
