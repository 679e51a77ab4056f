/**
 * Resource text codec: YAML (one or more `---` documents) or JSON (an object or an array) in, validated
 * resources out; and back out as `tctl get` prints them. YAML output has keys sorted (Teleport marshals
 * to JSON, then converts to YAML with sorted keys: kind, metadata, spec, version); JSON output keeps Go's
 * struct order (kind, sub_kind, version, metadata, spec), 4-space indented, as an array.
 */
import YAML from 'yaml';
import { BadParameterError, TeleportError } from '../errors.js';
import type { AnyResource } from './kinds.js';
import { KINDS, kindInfo } from './kinds.js';
import { ROLE_LABEL_FIELDS } from './role-defaults.js';

function docError(n: number, kind: string | undefined, err: unknown): BadParameterError {
  const where = kind ? `document ${n} (kind: ${kind})` : `document ${n}`;
  const msg = err instanceof Error ? err.message : String(err);
  return new BadParameterError(`${where}: ${msg}`, { cause: err });
}

/** Validate one decoded document by its kind. `n` is its 1-based position, used in error messages. */
export function validateDocument(doc: unknown, n = 1): AnyResource {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw docError(n, undefined, new Error('expected a resource object with kind, version, metadata and spec'));
  }
  const kind = (doc as Record<string, unknown>).kind;
  if (typeof kind !== 'string' || kind === '') throw docError(n, undefined, new Error('missing "kind"'));
  const info = kindInfo(kind);
  if (!info) {
    throw docError(
      n,
      undefined,
      new Error(`unsupported resource kind "${kind}" (supported: ${KINDS.map((k) => k.kind).join(', ')})`),
    );
  }
  try {
    return info.validate(doc);
  } catch (err) {
    if (err instanceof TeleportError && err.code === 'bad_parameter') throw docError(n, kind, err);
    throw err;
  }
}

function decodeJSON(text: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BadParameterError(`invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  return Array.isArray(value) ? value : [value];
}

function decodeYAML(text: string): unknown[] {
  const out: unknown[] = [];
  const docs = YAML.parseAllDocuments(text);
  if (!Array.isArray(docs)) return out; // an empty stream
  docs.forEach((doc, i) => {
    const e = doc.errors[0];
    if (e) {
      const pos = e.linePos?.[0];
      const at = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
      const msg = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new BadParameterError(`document ${i + 1}: YAML syntax error${at}: ${msg}`, { cause: e });
    }
    const value: unknown = doc.toJS({ maxAliasCount: 50 });
    if (value === null || value === undefined) return; // an empty document (only `---` or comments)
    out.push(value);
  });
  return out;
}

/**
 * Parse resource text: JSON when it starts with `{` or `[`, YAML otherwise. Every document is validated
 * by its kind. Throws BadParameterError naming the document and field
 * (`document 2 (kind: role): spec.allow.logins: ...`), or the line of a YAML syntax error.
 */
export function parseResources(text: string): AnyResource[] {
  const head = text.trimStart();
  const docs = head.startsWith('{') || head.startsWith('[') ? decodeJSON(text) : decodeYAML(text);
  return docs.map((d, i) => validateDocument(d, i + 1));
}

function collapseLabels(sel: Record<string, string[]> | undefined): Record<string, string | string[]> | undefined {
  if (!sel) return sel;
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(sel)) out[k] = v.length === 1 ? v[0] : v;
  return out;
}

/**
 * The wire form of a resource: internal-only fields dropped (role `namespaces`, as Teleport's JSON
 * omits them), single-value label selectors written as a scalar (Go `utils.Strings`), undefined removed.
 */
export function toWire(resource: AnyResource): Record<string, unknown> {
  const r = JSON.parse(JSON.stringify(resource)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (r.kind === 'role') {
    for (const side of ['allow', 'deny']) {
      const c = r.spec?.[side];
      if (!c) continue;
      delete c.namespaces;
      for (const f of ROLE_LABEL_FIELDS) if (c[f]) c[f] = collapseLabels(c[f]);
    }
  }
  const ordered: Record<string, unknown> = { kind: r.kind };
  if (r.sub_kind !== undefined) ordered.sub_kind = r.sub_kind;
  ordered.version = r.version;
  ordered.metadata = r.metadata;
  ordered.spec = r.spec;
  return ordered;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) out[k] = sortKeys(o[k]);
    return out;
  }
  return v;
}

/** YAML as `tctl get` prints it: documents separated by `---`, keys sorted, sequences not indented. */
export function toYAML(resources: readonly AnyResource[]): string {
  return resources
    .map((r) => YAML.stringify(sortKeys(toWire(r)), { indentSeq: false, singleQuote: true, lineWidth: 0, version: '1.1' }))
    .join('---\n');
}

/** JSON as `tctl get --format=json` prints it: a 4-space indented array. */
export function toJSON(resources: readonly AnyResource[]): string {
  return `${JSON.stringify(resources.map(toWire), null, 4)}\n`;
}
