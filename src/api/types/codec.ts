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
import { MAX_RESOURCE_TEXT, STRUCTURE_LIMITS, checkStructure, checkTextSize } from './input-limits.js';
import { ROLE_LABEL_FIELDS } from './role-defaults.js';
import { MAX_YAML_ALIAS_COUNT, decodeYAMLStream, type YAMLDecodeResult, type YAMLRefusal } from './yaml-stream.js';

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
  if (Array.isArray(value) && value.length > STRUCTURE_LIMITS.maxEntries) {
    throw new BadParameterError(`the text holds ${value.length} resources, more than the limit of ${STRUCTURE_LIMITS.maxEntries}`);
  }
  return Array.isArray(value) ? value : [value];
}

/** The BadParameterError of a refused YAML text, in the form parseResources documents. */
export function yamlRefusalError(r: YAMLRefusal): BadParameterError {
  const at = r.line !== undefined ? ` at line ${r.line}, column ${r.col ?? 1}` : '';
  if (r.reason === 'syntax' || r.reason === 'duplicate') return new BadParameterError(`document ${r.doc}: YAML syntax error${at}: ${r.message}`);
  return new BadParameterError(`document ${r.doc}: ${r.message}${at && ` (${at.trim()})`}`);
}

/** The documents of a decoded YAML text; throws yamlRefusalError for a refusal. */
export function yamlValues(result: YAMLDecodeResult): unknown[] {
  if (!result.ok) throw yamlRefusalError(result);
  return result.values;
}

function decodeYAML(text: string): unknown[] {
  return yamlValues(decodeYAMLStream(YAML, text, STRUCTURE_LIMITS, MAX_YAML_ALIAS_COUNT));
}

/**
 * Validates decoded documents (of YAML or JSON): each within STRUCTURE_LIMITS, then by its kind.
 * Throws BadParameterError naming the document and field.
 */
export function resourcesFromValues(docs: unknown[]): AnyResource[] {
  return docs.map((d, i) => {
    checkStructure(d, `document ${i + 1}`);
    return validateDocument(d, i + 1);
  });
}

/** True when resource text is JSON (starts with `{` or `[`), else it is read as YAML. */
export function isJSONText(text: string): boolean {
  const head = text.trimStart();
  return head.startsWith('{') || head.startsWith('[');
}

/**
 * Parse resource text: JSON when it starts with `{` or `[`, YAML otherwise. Every document is validated
 * by its kind. Throws BadParameterError naming the document and field
 * (`document 2 (kind: role): spec.allow.logins: ...`), or the line of a YAML syntax error, also for
 * text past the bounds of input-limits.ts (depth, entries, aliases); LimitExceededError for text
 * larger than MAX_RESOURCE_TEXT.
 */
export function parseResources(text: string): AnyResource[] {
  checkTextSize(text, MAX_RESOURCE_TEXT, 'the resource text');
  return resourcesFromValues(isJSONText(text) ? decodeJSON(text) : decodeYAML(text));
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
