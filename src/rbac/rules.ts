/**
 * Rule matching for `rules: [{resources, verbs, where}]`: `*` resource and verb, `read` granting
 * `read_no_secrets`, and `where` clauses evaluated against a RuleContext.
 */
import type { Rule } from '../api/types/index.js';
import { WILDCARD } from '../api/types/index.js';
import { evaluateWhere } from './where.js';

/**
 * What a `where` clause sees: `user` (a user resource: metadata.name, spec.roles, spec.traits),
 * the `resource` acted on, a `session` (with `participants`), and any other named roots.
 */
export interface RuleContext {
  user?: { metadata: { name: string }; spec: { roles: string[]; traits: Record<string, string[]> } };
  resource?: unknown;
  session?: { participants?: string[]; [k: string]: unknown };
  [root: string]: unknown;
}

/** True when the rule names `kind` or `*`. */
export function ruleHasResource(rule: Rule, kind: string): boolean {
  return rule.resources.includes(kind) || rule.resources.includes(WILDCARD);
}

/** True when the rule grants `verb`: listed, `*`, or `read` standing in for `read_no_secrets`. */
export function ruleHasVerb(rule: Rule, verb: string): boolean {
  if (rule.verbs.includes(WILDCARD) || rule.verbs.includes(verb)) return true;
  return verb === 'read_no_secrets' && rule.verbs.includes('read');
}

function whereContext(ctx: RuleContext): Record<string, unknown> {
  const session = ctx.session ?? { participants: [] };
  return {
    ...ctx,
    user: ctx.user ?? { metadata: { name: '' }, spec: { roles: [], traits: {} } },
    resource: ctx.resource ?? { metadata: { name: '', labels: {} } },
    session,
    ssh_session: ctx.ssh_session ?? session,
  };
}

/**
 * Order rules as Teleport's RuleSet does: rules naming the kind before `*` rules, and within each group
 * rules with a `where` clause (more specific) first.
 */
export function orderRules(rules: readonly Rule[], kind: string): Rule[] {
  const specific = rules.filter((r) => r.resources.includes(kind));
  const wild = rules.filter((r) => !r.resources.includes(kind) && r.resources.includes(WILDCARD));
  const byWhere = (a: Rule, b: Rule): number => Number(Boolean(b.where)) - Number(Boolean(a.where));
  return [...specific.sort(byWhere), ...wild.sort(byWhere)];
}

/**
 * True when any rule matches kind + verb and its `where` (if any) holds. A `where` that cannot be
 * evaluated counts as a match on the deny side (fail closed) and as no match on the allow side.
 */
export function rulesMatch(
  rules: readonly Rule[] | undefined,
  kind: string,
  verb: string,
  ctx: RuleContext,
  side: 'allow' | 'deny',
): boolean {
  for (const rule of orderRules(rules ?? [], kind)) {
    if (!ruleHasVerb(rule, verb)) continue;
    if (!rule.where || rule.where.trim() === '') return true;
    try {
      if (evaluateWhere(rule.where, whereContext(ctx))) return true;
    } catch {
      if (side === 'deny') return true;
    }
  }
  return false;
}
