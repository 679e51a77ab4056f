/**
 * YAML text (one or more `---` documents) to plain values, within bounds: duplicate keys refused in
 * linear time (the `yaml` package's own check is quadratic: a map of 55,000 keys took 18 s), nesting
 * depth and entries per collection checked on the parsed nodes before they are converted, and alias
 * expansion capped (`maxAliasCount`), so that an alias bomb is refused instead of expanded.
 */
import type YAMLModule from 'yaml';
import type { Document, Node as YAMLNode, Pair } from 'yaml';
import type { StructureLimits } from './input-limits.js';

/** Aliases a document may expand (the `yaml` package's count: each alias weighs what it copies). */
export const MAX_YAML_ALIAS_COUNT = 100;

/** Why a YAML text was refused; `doc` is the 1-based document, line and column 1-based when known. */
export interface YAMLRefusal {
  ok: false;
  doc: number;
  reason: 'syntax' | 'aliases' | 'duplicate' | 'structure';
  message: string;
  line?: number;
  col?: number;
}

/** The values of the non-empty documents, or why the text was refused. */
export type YAMLDecodeResult = { ok: true; values: unknown[] } | YAMLRefusal;

/**
 * Decodes `text` with the `yaml` module passed in. Self-contained on purpose: the web API runs its
 * source text in a worker thread for large inputs, so it may use nothing but its arguments. Never
 * throws for bad input: every refusal is a YAMLRefusal.
 */
export function decodeYAMLStream(yaml: typeof YAMLModule, text: string, limits: StructureLimits, maxAliasCount: number): YAMLDecodeResult {
  const lineCounter = new yaml.LineCounter();
  const at = (offset: number | undefined): { line?: number; col?: number } => (offset === undefined ? {} : lineCounter.linePos(offset));
  let docs: unknown;
  try {
    docs = yaml.parseAllDocuments(text, { uniqueKeys: false, lineCounter });
  } catch (err) {
    return { ok: false, doc: 1, reason: 'syntax', message: err instanceof Error ? err.message : String(err) };
  }
  if (!Array.isArray(docs)) return { ok: true, values: [] }; // an empty stream
  const values: unknown[] = [];
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i] as Document.Parsed;
    const e = doc.errors[0];
    if (e) {
      const pos = e.linePos?.[0];
      const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return { ok: false, doc: i + 1, reason: 'syntax', message, ...(pos && { line: pos.line, col: pos.col }) };
    }
    const refusal = check(doc.contents, '', 1);
    if (refusal) return { ok: false, doc: i + 1, ...refusal };
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (err) {
      const aliases = err instanceof ReferenceError && /alias/i.test(err.message);
      const message = aliases ? `the document expands too many aliases (at most ${maxAliasCount} alias expansions are allowed)` : err instanceof Error ? err.message : String(err);
      return { ok: false, doc: i + 1, reason: aliases ? 'aliases' : 'syntax', message };
    }
    if (value !== null && value !== undefined) values.push(value); // an empty document (only `---` or comments)
  }
  return { ok: true, values };

  // Depth, entries and duplicate keys, on the nodes as written (aliases are not followed).
  function check(node: unknown, path: string, depth: number): Omit<YAMLRefusal, 'ok' | 'doc'> | undefined {
    if (!yaml.isCollection(node)) return undefined;
    const where = path === '' ? 'the document' : path;
    const pos = at(node.range?.[0]);
    if (depth > limits.maxDepth) return { reason: 'structure', message: `${where} nests deeper than ${limits.maxDepth} levels`, ...pos };
    if (node.items.length > limits.maxEntries) {
      return { reason: 'structure', message: `${where} has ${node.items.length} entries, more than the limit of ${limits.maxEntries}`, ...pos };
    }
    if (yaml.isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const r = check(node.items[i], `${path}[${i}]`, depth + 1);
        if (r) return r;
      }
      return undefined;
    }
    const seen = new Set<string>();
    for (const pair of node.items as Pair[]) {
      const key = yaml.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (seen.has(key)) {
        const keyPos = at((pair.key as YAMLNode | null)?.range?.[0]);
        return { reason: 'duplicate', message: `Map keys must be unique ("${key.slice(0, 100)}" is repeated)`, ...keyPos };
      }
      seen.add(key);
      const r = check(pair.value, path === '' ? key : `${path}.${key}`, depth + 1);
      if (r) return r;
    }
    return undefined;
  }
}
