/**
 * Evaluation of rule `where` expressions (syntax in src/api/types/where-syntax.ts) against a context of
 * plain objects: `user`, `resource`, `session`, `ssh_session`, ... Missing fields evaluate to empty values,
 * as Teleport substitutes empty resources, so `contains(session.participants, x)` is false without a session.
 */
import type { WhereExpr } from '../api/types/index.js';
import { BadParameterError } from '../api/errors.js';
import { parseWhere } from '../api/types/index.js';

export { parseWhere };
export type { WhereExpr };

/** The values a where-expression sees: roots such as `user`, `resource`, `session`. */
export type WhereContext = Readonly<Record<string, unknown>>;

type Value = string | boolean | string[] | undefined | Record<string, unknown>;

function lookup(ctx: WhereContext, path: readonly string[]): Value {
  let cur: unknown = ctx;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur as Value;
}

function asString(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  return '';
}

function asList(v: Value): string[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [v];
  return [];
}

function equal(a: Value, b: Value): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    const x = asList(a);
    const y = asList(b);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') return Boolean(a) === Boolean(b);
  return asString(a) === asString(b);
}

function truthy(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  throw new BadParameterError(`where: expected a boolean expression, got ${JSON.stringify(v ?? '')}`);
}

function evalExpr(e: WhereExpr, ctx: WhereContext): Value {
  switch (e.type) {
    case 'and':
      return truthy(evalExpr(e.left, ctx)) && truthy(evalExpr(e.right, ctx));
    case 'or':
      return truthy(evalExpr(e.left, ctx)) || truthy(evalExpr(e.right, ctx));
    case 'not':
      return !truthy(evalExpr(e.expr, ctx));
    case 'eq':
      return equal(evalExpr(e.left, ctx), evalExpr(e.right, ctx));
    case 'neq':
      return !equal(evalExpr(e.left, ctx), evalExpr(e.right, ctx));
    case 'string':
    case 'bool':
      return e.value;
    case 'ident':
      return lookup(ctx, e.path);
    case 'call': {
      const args = e.args.map((a) => evalExpr(a, ctx));
      switch (e.fn) {
        case 'contains':
          return asList(args[0]).includes(asString(args[1]));
        case 'equals':
          return equal(args[0], args[1]);
        case 'exists':
          return args[0] !== undefined && args[0] !== '';
        case 'hasPrefix':
          return asString(args[0]).startsWith(asString(args[1]));
        default:
          throw new BadParameterError(`where: unsupported function "${e.fn}"`);
      }
    }
  }
}

const parsed = new Map<string, WhereExpr>();

/**
 * Evaluate a where-expression (string or parsed) to a boolean. Throws BadParameterError on a parse error
 * or when the expression is not boolean (e.g. a bare identifier).
 */
export function evaluateWhere(expr: string | WhereExpr, ctx: WhereContext): boolean {
  let ast: WhereExpr;
  if (typeof expr === 'string') {
    ast = parsed.get(expr) ?? parseWhere(expr);
    if (parsed.size < 1000) parsed.set(expr, ast);
  } else {
    ast = expr;
  }
  return truthy(evalExpr(ast, ctx));
}
