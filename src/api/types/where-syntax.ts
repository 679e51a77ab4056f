/**
 * Syntax of the predicate language used in role rule `where` clauses (and impersonate/review `where`):
 * `&&`, `||`, `!`, parentheses, `==`, `!=`, function calls (`contains`, `equals`, ...), string and bool
 * literals, and identifiers such as `user.spec.traits["team"]`. Evaluation lives in src/rbac/where.ts.
 */
import { BadParameterError } from '../errors.js';

/** A parsed where-expression. Identifier paths are split on dots and brackets. */
export type WhereExpr =
  | { type: 'and' | 'or'; left: WhereExpr; right: WhereExpr }
  | { type: 'not'; expr: WhereExpr }
  | { type: 'eq' | 'neq'; left: WhereExpr; right: WhereExpr }
  | { type: 'call'; fn: string; args: WhereExpr[] }
  | { type: 'ident'; path: string[] }
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean };

/** Functions the where-language knows, with their argument counts. */
export const WHERE_FUNCTIONS: Readonly<Record<string, number>> = {
  contains: 2,
  equals: 2,
  exists: 1,
  hasPrefix: 2,
};

type Tok = { t: 'id' | 'str' | 'op' | 'eof'; v: string; pos: number };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const fail = (msg: string, at: number): never => {
    throw new BadParameterError(`where: parse error at position ${at + 1} of ${JSON.stringify(src)}: ${msg}`);
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === '==' || two === '!=') {
      out.push({ t: 'op', v: two, pos: i });
      i += 2;
    } else if ('!()[],.'.includes(c)) {
      out.push({ t: 'op', v: c, pos: i });
      i++;
    } else if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(src.slice(i));
      if (!m) fail('unterminated string', i);
      out.push({ t: 'str', v: JSON.parse(m![0]) as string, pos: i });
      i += m![0].length;
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) fail('unterminated string', i);
      out.push({ t: 'str', v: src.slice(i + 1, end), pos: i });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0], pos: i });
      i += m[0].length;
    } else {
      fail(`unexpected character ${JSON.stringify(c)}`, i);
    }
  }
  out.push({ t: 'eof', v: '', pos: src.length });
  return out;
}

/**
 * Parse a where-expression. Throws BadParameterError naming the 1-based position of the problem
 * (unknown function, wrong argument count, unbalanced parentheses, trailing input).
 */
export function parseWhere(src: string): WhereExpr {
  const toks = lex(src);
  let p = 0;
  const fail = (msg: string, tok: Tok = toks[p]): never => {
    throw new BadParameterError(`where: parse error at position ${tok.pos + 1} of ${JSON.stringify(src)}: ${msg}`);
  };
  const isOp = (v: string): boolean => toks[p].t === 'op' && toks[p].v === v;
  const expect = (v: string): void => {
    if (!isOp(v)) fail(`expected "${v}", got ${toks[p].t === 'eof' ? 'end of input' : `"${toks[p].v}"`}`);
    p++;
  };

  const parseOr = (): WhereExpr => {
    let left = parseAnd();
    while (isOp('||')) {
      p++;
      left = { type: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): WhereExpr => {
    let left = parseCmp();
    while (isOp('&&')) {
      p++;
      left = { type: 'and', left, right: parseCmp() };
    }
    return left;
  };
  const parseCmp = (): WhereExpr => {
    const left = parseUnary();
    if (isOp('==') || isOp('!=')) {
      const type = toks[p].v === '==' ? 'eq' : 'neq';
      p++;
      return { type, left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): WhereExpr => {
    if (isOp('!')) {
      p++;
      return { type: 'not', expr: parseUnary() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): WhereExpr => {
    const tok = toks[p];
    if (isOp('(')) {
      p++;
      const e = parseOr();
      expect(')');
      return e;
    }
    if (tok.t === 'str') {
      p++;
      return { type: 'string', value: tok.v };
    }
    if (tok.t !== 'id') return fail(tok.t === 'eof' ? 'unexpected end of input' : `unexpected "${tok.v}"`);
    p++;
    if (tok.v === 'true' || tok.v === 'false') return { type: 'bool', value: tok.v === 'true' };
    const path = [tok.v];
    for (;;) {
      if (isOp('.')) {
        p++;
        if (toks[p].t !== 'id') fail('expected a name after "."');
        path.push(toks[p++].v);
      } else if (isOp('[')) {
        p++;
        if (toks[p].t !== 'str') fail('expected a quoted key inside [ ]');
        path.push(toks[p++].v);
        expect(']');
      } else {
        break;
      }
    }
    if (!isOp('(')) return { type: 'ident', path };
    const fn = path.join('.');
    if (!(fn in WHERE_FUNCTIONS)) {
      fail(`unsupported function "${fn}" (supported: ${Object.keys(WHERE_FUNCTIONS).join(', ')})`, tok);
    }
    p++;
    const args: WhereExpr[] = [];
    if (!isOp(')')) {
      args.push(parseOr());
      while (isOp(',')) {
        p++;
        args.push(parseOr());
      }
    }
    expect(')');
    if (args.length !== WHERE_FUNCTIONS[fn]) {
      fail(`${fn} takes ${WHERE_FUNCTIONS[fn]} argument(s), got ${args.length}`, tok);
    }
    return { type: 'call', fn, args };
  };

  if (toks[0].t === 'eof') fail('empty expression');
  const expr = parseOr();
  if (toks[p].t !== 'eof') fail(`unexpected "${toks[p].v}"`);
  return expr;
}
