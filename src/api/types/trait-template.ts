/**
 * Trait template syntax (`{{internal.logins}}`, `IAM#{{external["a b"]}};`, `{{email.local(external.email)}}`,
 * `{{regexp.replace(external.groups, "^admin-(.*)$", "$1")}}`, `{{strings.upper(internal.logins)}}`).
 * Parsing lives here so resource validation can refuse malformed templates; interpolation lives in src/rbac.
 */
import { BadParameterError } from '../errors.js';
import { compileGoRegex } from './go-regex.js';

/** A parsed template expression. */
export type TemplateExpr =
  | { type: 'var'; namespace: 'internal' | 'external'; name: string }
  | { type: 'string'; value: string }
  | { type: 'call'; fn: TemplateFunction; args: TemplateExpr[] };

/** Functions a trait template may call. */
export type TemplateFunction = 'email.local' | 'regexp.replace' | 'strings.upper' | 'strings.lower';

/** A value with one `{{...}}` expression and its literal prefix and suffix. */
export interface TraitTemplate {
  prefix: string;
  suffix: string;
  expr: TemplateExpr;
}

const TEMPLATE = /^([^}{]*)\{\{([^}{]*)\}\}([^}{]*)$/;
const FUNCTIONS: Record<TemplateFunction, number> = {
  'email.local': 1,
  'regexp.replace': 3,
  'strings.upper': 1,
  'strings.lower': 1,
};

type Tok = { t: 'id' | 'str' | 'punct'; v: string; pos: number };

function tokenize(src: string, whole: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      toks.push({ t: 'id', v: m[0], pos: i });
      i += m[0].length;
    } else if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(src.slice(i));
      if (!m) throw malformed(whole, 'unterminated string');
      toks.push({ t: 'str', v: JSON.parse(m[0]) as string, pos: i });
      i += m[0].length;
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw malformed(whole, 'unterminated string');
      toks.push({ t: 'str', v: src.slice(i + 1, end), pos: i });
      i = end + 1;
    } else if ('.[](),'.includes(c)) {
      toks.push({ t: 'punct', v: c, pos: i });
      i++;
    } else {
      throw malformed(whole, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  return toks;
}

function malformed(value: string, detail: string): BadParameterError {
  return new BadParameterError(
    `${JSON.stringify(value)} is using template brackets '{{' or '}}', however expression does not parse (${detail}); ` +
      `make sure the format is {{internal.name}}, {{external.name}} or {{external["name"]}}`,
  );
}

/**
 * Parse a value that may hold a trait template. Returns null for a plain literal (no braces at all);
 * throws BadParameterError for braces that do not form a valid template, an unknown namespace or
 * function, or a bad regular expression.
 */
export function parseTraitTemplate(value: string): TraitTemplate | null {
  if (!value.includes('{') && !value.includes('}')) return null;
  const m = TEMPLATE.exec(value);
  if (!m) {
    if (!value.includes('{{') && !value.includes('}}')) return null; // single braces, e.g. a regex `{1,3}`
    throw malformed(value, 'expected exactly one {{expression}}');
  }
  const toks = tokenize(m[2], value);
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const expectPunct = (v: string): void => {
    const t = toks[p];
    if (!t || t.t !== 'punct' || t.v !== v) throw malformed(value, `expected "${v}"`);
    p++;
  };
  const parseExpr = (): TemplateExpr => {
    const first = toks[p];
    if (!first) throw malformed(value, 'empty expression');
    if (first.t === 'str') {
      p++;
      return { type: 'string', value: first.v };
    }
    if (first.t !== 'id') throw malformed(value, `unexpected "${first.v}"`);
    p++;
    const path = [first.v];
    let bracket: string | undefined;
    for (;;) {
      const t = peek();
      if (t?.t === 'punct' && t.v === '.' && bracket === undefined) {
        p++;
        const id = toks[p];
        if (!id || id.t !== 'id') throw malformed(value, 'expected a name after "."');
        path.push(id.v);
        p++;
      } else if (t?.t === 'punct' && t.v === '[' && bracket === undefined) {
        p++;
        const s = toks[p];
        if (!s || s.t !== 'str') throw malformed(value, 'expected a quoted name inside [ ]');
        bracket = s.v;
        p++;
        expectPunct(']');
      } else {
        break;
      }
    }
    if (peek()?.t === 'punct' && peek()!.v === '(' && bracket === undefined) {
      p++;
      const fn = path.join('.');
      if (!(fn in FUNCTIONS)) {
        throw new BadParameterError(
          `${JSON.stringify(value)}: unsupported function "${fn}" (supported: ${Object.keys(FUNCTIONS).join(', ')})`,
        );
      }
      const args: TemplateExpr[] = [];
      if (!(peek()?.t === 'punct' && peek()!.v === ')')) {
        args.push(parseExpr());
        while (peek()?.t === 'punct' && peek()!.v === ',') {
          p++;
          args.push(parseExpr());
        }
      }
      expectPunct(')');
      return checkCall(value, fn as TemplateFunction, args);
    }
    const ns = path[0];
    const name = bracket ?? path[1];
    if ((bracket === undefined && path.length !== 2) || (bracket !== undefined && path.length !== 1) || !name) {
      throw malformed(value, 'expected namespace.name');
    }
    if (ns !== 'internal' && ns !== 'external') {
      throw new BadParameterError(
        `${JSON.stringify(value)}: unsupported variable namespace "${ns}" (use internal or external)`,
      );
    }
    return { type: 'var', namespace: ns, name };
  };
  const expr = parseExpr();
  if (p !== toks.length) throw malformed(value, `unexpected "${toks[p].v}"`);
  if (expr.type === 'string') throw malformed(value, 'a template must refer to a trait');
  return { prefix: m[1], suffix: m[3], expr };
}

function checkCall(value: string, fn: TemplateFunction, args: TemplateExpr[]): TemplateExpr {
  if (args.length !== FUNCTIONS[fn]) {
    throw new BadParameterError(`${JSON.stringify(value)}: ${fn} takes ${FUNCTIONS[fn]} argument(s), got ${args.length}`);
  }
  if (args[0].type === 'string') throw new BadParameterError(`${JSON.stringify(value)}: ${fn} needs a trait as its first argument`);
  if (fn === 'regexp.replace') {
    if (args[1].type !== 'string' || args[2].type !== 'string') {
      throw new BadParameterError(`${JSON.stringify(value)}: regexp.replace needs string literals for the pattern and replacement`);
    }
    compileGoRegex(args[1].value);
  }
  return { type: 'call', fn, args };
}
