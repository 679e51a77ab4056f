/**
 * Typed readers over YAML nodes that keep source positions, so every config error can say
 * `file:line: key.path: what is wrong`. A Reader turns one node into a value or throws.
 */
import { isMap, isScalar, isSeq, type LineCounter, type Node, type Pair } from 'yaml';
import { parseDuration } from '../api/duration.js';
import { BadParameterError } from '../api/errors.js';
import { parseAddr, type NetAddr } from './address.js';

/** Where errors are reported: the file name and the line table of its text. */
export class SourceContext {
  /** `file:line` of every value read, by key path (`teleport.data_dir`), for checks after parsing. */
  readonly origins: Record<string, string> = {};

  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
    /** Told the keys each mapping accepts, by path (list items as `[]`), as it is read: the key table test's census. */
    readonly onKeys?: (path: string, keys: readonly string[]) => void,
  ) {}

  /** Remember where the value at `path` was written. */
  note(path: string, node: Node | null | undefined): void {
    const line = this.lineOf(node);
    if (line !== undefined) this.origins[path] = `${this.file}:${line}`;
  }

  /** Line (1-based) of a node, or undefined when the node has no position. */
  lineOf(node: Node | null | undefined): number | undefined {
    const start = node?.range?.[0];
    return start === undefined ? undefined : this.lines.linePos(start).line;
  }

  /** Throw BadParameterError `file:line: path: message` (the line is left out when unknown). */
  fail(node: Node | null | undefined, path: string, message: string, cause?: unknown): never {
    const line = this.lineOf(node);
    const where = line === undefined ? this.file : `${this.file}:${line}`;
    throw new BadParameterError(`${where}: ${path ? `${path}: ` : ''}${message}`, { cause });
  }
}

/** Converts one YAML node (never null: absent and empty values are handled by Fields) to T. */
export type Reader<T> = (node: Node, path: string, ctx: SourceContext) => T;

interface Entry {
  key: Node;
  value: Node | null;
}

/** The entries of one mapping, checked against the keys its section knows. */
export class Fields {
  constructor(
    readonly ctx: SourceContext,
    readonly path: string,
    readonly node: Node | null,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** Path of a child key, as printed in errors (`auth_service.listen_addr`). */
  child(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  /** True when the key is present with a non-empty value. */
  has(key: string): boolean {
    const e = this.entries.get(key);
    return e !== undefined && !isEmpty(e.value);
  }

  /** The value read with `reader`, or undefined when absent or empty (`key:`, `key: null`, `key: ""`). */
  get<T>(key: string, reader: Reader<T>): T | undefined {
    const e = this.entries.get(key);
    if (!e || isEmpty(e.value) || !e.value) return undefined;
    this.ctx.note(this.child(key), e.value);
    return reader(e.value, this.child(key), this.ctx);
  }

  /** The raw value node (or the key node for an empty value), for cross-field errors. */
  nodeOf(key: string): Node | null {
    const e = this.entries.get(key);
    if (!e) return this.node;
    return isEmpty(e.value) ? e.key : e.value;
  }

  /** The mapping under `key` (empty when absent), checked against `known` (null: any key). */
  section(key: string, known: readonly string[] | null): Fields {
    return fields(this.has(key) ? this.nodeOf(key) : null, this.child(key), this.ctx, known);
  }

  /** Throw an error located at `key`'s value. */
  fail(key: string, message: string): never {
    return this.ctx.fail(this.nodeOf(key), this.child(key), message);
  }
}

// Empty values mean "not set", as Go's zero values do (`diag_addr: ""`, `enabled:`).
function isEmpty(node: Node | null): boolean {
  return node === null || (isScalar(node) && (node.value === null || node.value === ''));
}

/**
 * Read a mapping whose keys must all be in `known` (an unknown key is an error at its line);
 * `known === null` accepts any key.
 */
export function fields(
  node: Node | null,
  path: string,
  ctx: SourceContext,
  known: readonly string[] | null,
): Fields {
  const entries = new Map<string, Entry>();
  if (known) ctx.onKeys?.(path.replace(/\[\d+\]/g, '[]'), known);
  if (node === null || isEmpty(node)) return new Fields(ctx, path, node, entries);
  if (!isMap(node)) ctx.fail(node, path, `expected a mapping of keys to values, got ${describe(node)}`);
  for (const pair of node.items as Pair<Node, Node | null>[]) {
    const key = pair.key;
    if (!isScalar(key) || typeof key.value !== 'string') {
      ctx.fail(key, path, 'keys must be plain strings');
    }
    const name = key.value as string;
    if (known && !known.includes(name)) {
      const p = path ? `${path}.${name}` : name;
      ctx.fail(key, p, `unknown key "${name}"${suggest(name, known)}`);
    }
    entries.set(name, { key, value: pair.value ?? null });
  }
  return new Fields(ctx, path, node, entries);
}

function suggest(name: string, known: readonly string[]): string {
  const near = known.find((k) => k.replace(/_/g, '') === name.replace(/[_-]/g, '').toLowerCase());
  return near ? ` (did you mean "${near}"?)` : '';
}

/** A short description of a node's kind for "expected X, got Y" messages. */
export function describe(node: Node): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    return typeof v === 'string' ? `"${v}"` : `${typeof v} ${String(v)}`;
  }
  return 'an unsupported value';
}

/** A string; numbers and booleans are taken as their source text, as Go's YAML decoder does. */
export const str: Reader<string> = (node, path, ctx) => {
  if (!isScalar(node)) return ctx.fail(node, path, `expected a string, got ${describe(node)}`);
  if (typeof node.value === 'string') return node.value;
  return node.source ?? String(node.value);
};

const TRUE = new Set(['yes', 'yeah', 'y', 'true', '1', 'on']);
const FALSE = new Set(['no', 'nope', 'n', 'false', '0', 'off']);

/** A boolean: YAML true/false or Teleport's strings yes/no, on/off, true/false, y/n, 1/0. */
export const bool: Reader<boolean> = (node, path, ctx) => {
  if (isScalar(node)) {
    if (typeof node.value === 'boolean') return node.value;
    const text = String(node.value).toLowerCase();
    if (TRUE.has(text)) return true;
    if (FALSE.has(text)) return false;
  }
  return ctx.fail(node, path, `expected a boolean (yes/no, true/false, on/off), got ${describe(node)}`);
};

/** An integer within [min, max]. */
export function int(min = 0, max = Number.MAX_SAFE_INTEGER): Reader<number> {
  return (node, path, ctx) => {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      return ctx.fail(node, path, `expected a whole number, got ${describe(node)}`);
    }
    if (v < min || v > max) return ctx.fail(node, path, `${v} is out of range (${min}-${max})`);
    return v;
  };
}

/** A non-negative Go duration (`30s`, `1m0s`, `1h0m0s`, `30h`), in milliseconds. */
export const duration: Reader<number> = (node, path, ctx) => {
  const v = isScalar(node) ? node.value : undefined;
  if (v === 0) return 0;
  if (typeof v !== 'string') {
    return ctx.fail(node, path, `expected a duration with a unit (30s, 5m, 1h0m0s), got ${describe(node)}`);
  }
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch (err) {
    return ctx.fail(node, path, (err as Error).message, err);
  }
  if (ms < 0) return ctx.fail(node, path, `duration "${v}" must not be negative`);
  return ms;
};

/** A network address; a missing port takes `defaultPort`. */
export function addr(defaultPort?: number): Reader<NetAddr> {
  return (node, path, ctx) => {
    const text = str(node, path, ctx);
    try {
      return parseAddr(text, defaultPort);
    } catch (err) {
      return ctx.fail(node, path, (err as Error).message, err);
    }
  };
}

const AUDIT_SCHEMES = ['file', 'stdout', 'sqlite', 'postgres', 'postgresql', 'dynamodb'];
const LATER_AUDIT_SCHEMES = ['firestore', 'athena', 'cockroach'];
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/;

/**
 * One `audit_events_uri`: a scheme this release serves (file://, stdout://, sqlite://, postgresql://,
 * dynamodb://; file:// with an absolute directory). Empty is "not set". The store checks the rest
 * when it opens; this refuses at load what could never work, with the line.
 */
export const auditEventsUri: Reader<string> = (node, path, ctx) => {
  const text = str(node, path, ctx);
  if (text === '') return text;
  const m = SCHEME.exec(text.trim());
  const scheme = m?.[1].toLowerCase();
  if (!m || scheme === undefined) return ctx.fail(node, path, `"${text}" is not a URI; expected one such as file:///var/lib/teleport/log or stdout://`);
  if (LATER_AUDIT_SCHEMES.includes(scheme)) {
    return ctx.fail(node, path, `${scheme}:// is not available in this release; use one of file://, stdout://, sqlite://, postgresql://, dynamodb://`);
  }
  if (!AUDIT_SCHEMES.includes(scheme)) {
    return ctx.fail(node, path, `unknown scheme "${scheme}" (supported: file://, stdout://, sqlite://, postgresql://, dynamodb://)`);
  }
  if (scheme === 'file' && !m[2].startsWith('/')) {
    return ctx.fail(node, path, 'a file:// URI needs an absolute directory, as in file:///var/lib/teleport/log');
  }
  return text;
};

/** `audit_sessions_uri`: file:///dir, s3://bucket/prefix, or an absolute path; empty is "not set". */
export const auditSessionsUri: Reader<string> = (node, path, ctx) => {
  const text = str(node, path, ctx);
  if (text === '' || text.startsWith('/')) return text;
  const m = SCHEME.exec(text.trim());
  const scheme = m?.[1].toLowerCase();
  if (scheme === 'gs' || scheme === 'azblob') return ctx.fail(node, path, `${scheme}:// storage is not available in this release; use file:// or s3://`);
  if (!m || (scheme !== 'file' && scheme !== 's3')) return ctx.fail(node, path, `unsupported URI "${text}": expected file:///path or s3://bucket/prefix`);
  if (scheme === 'file' && !m[2].startsWith('/')) return ctx.fail(node, path, 'a file:// URI needs an absolute directory, as in file:///var/lib/teleport/sessions');
  if (scheme === 's3' && m[2].split('/')[0].split('?')[0] === '') return ctx.fail(node, path, 'an s3:// URI needs a bucket, as in s3://bucket/prefix');
  return text;
};

/** One of `values`; `fold` compares case-insensitively and returns the canonical spelling. */
export function oneOf<T extends string>(values: readonly T[], fold = false): Reader<T> {
  return (node, path, ctx) => {
    const text = isScalar(node) ? str(node, path, ctx) : undefined;
    const found = values.find((v) => (fold ? v.toLowerCase() === text?.toLowerCase() : v === text));
    if (found === undefined) {
      const got = isScalar(node) ? `"${text}"` : describe(node);
      return ctx.fail(node, path, `unsupported value ${got}; expected one of: ${values.join(', ')}`);
    }
    return found;
  };
}

/** A list of items read with `item`; paths name the index (`commands[1].period`). */
export function list<T>(item: Reader<T>): Reader<T[]> {
  return (node, path, ctx) => {
    if (!isSeq(node)) return ctx.fail(node, path, `expected a list, got ${describe(node)}`);
    return (node.items as (Node | null)[]).map((n, i) => {
      const p = `${path}[${i}]`;
      if (n === null || isEmpty(n)) return ctx.fail(n ?? node, p, 'empty list item');
      ctx.note(p, n);
      return item(n, p, ctx);
    });
  };
}

/** One value or a list of them (Teleport's `apiutils.Strings` shape: `x` or `[x, y]`). */
export function oneOrMany<T>(item: Reader<T>): Reader<T[]> {
  return (node, path, ctx) => (isSeq(node) ? list(item)(node, path, ctx) : [item(node, path, ctx)]);
}

/** A mapping of string keys to string values (labels). */
export const strMap: Reader<Record<string, string>> = (node, path, ctx) => {
  if (!isMap(node)) return ctx.fail(node, path, `expected a mapping, got ${describe(node)}`);
  const out: Record<string, string> = {};
  for (const pair of node.items as Pair<Node, Node | null>[]) {
    const k = str(pair.key, path, ctx);
    const p = `${path}.${k}`;
    out[k] = pair.value === null || isEmpty(pair.value) ? '' : str(pair.value, p, ctx);
  }
  return out;
};

/** Any value, converted to plain JSON-like data (for sections a later release will type). */
export const loose: Reader<unknown> = (node) => node.toJSON();
