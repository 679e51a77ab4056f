/**
 * Where in a YAML text a resource validation error points: the resource validators name the field
 * (`document 1 (kind: role): spec.allow.logins: ...`) or the line of a syntax error; the role editor
 * marks that line.
 */
import YAML, { isMap, isScalar, isSeq, type Node as YAMLNode } from 'yaml';

/** Texts from this size on are not parsed again to find a field's line (see YAMLWorker's threshold). */
const LOCATE_MAX_TEXT = 64 * 1024;

/** The field path and 1-based line an error message refers to in `text`; either may be missing. */
export function locateError(text: string, message: string): { field?: string; line?: number } {
  const syntax = /^document \d+: YAML syntax error at line (\d+)/.exec(message);
  if (syntax) return { line: Number(syntax[1]) };
  const m = /^document (\d+)(?: \(kind: [^)]*\))?: ([A-Za-z0-9_./\-[\]*]+): /.exec(message);
  if (!m) return {};
  const field = m[2];
  // Locating means parsing again, on the event loop: large texts get the field without its line.
  if (text.length >= LOCATE_MAX_TEXT) return { field };
  const offset = fieldOffset(text, Number(m[1]) - 1, splitPath(field));
  return offset === undefined ? { field } : { field, line: lineOf(text, offset) };
}

/** `spec.allow.rules[0].verbs` → `['spec', 'allow', 'rules', 0, 'verbs']`. */
export function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1] !== '') out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** Offset of the deepest existing node along `path` in document `index` (its key, for map entries). */
function fieldOffset(text: string, index: number, path: (string | number)[]): number | undefined {
  let docs: YAML.Document.Parsed[];
  try {
    // Duplicate keys were refused already; the yaml package's own check is quadratic in the keys.
    const all = YAML.parseAllDocuments(text, { uniqueKeys: false });
    docs = Array.isArray(all) ? all : [];
  } catch {
    return undefined;
  }
  const doc = docs[index];
  if (!doc) return undefined;
  let node: unknown = doc.contents;
  let at: number | undefined = (node as YAMLNode | null)?.range?.[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      at = (pair.key as YAMLNode | null)?.range?.[0] ?? at;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as YAMLNode | undefined;
      if (!item) break;
      at = item.range?.[0] ?? at;
      node = item;
    } else {
      break;
    }
  }
  return at;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
