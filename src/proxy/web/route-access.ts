/**
 * Who may call a web API route, checked before its body is read: a route that creates or changes a
 * kind of resource is refused at once when none of the caller's roles could allow that verb on that
 * kind (a user with only `access` posting a megabyte of role YAML is refused before it is parsed).
 * The auth server still decides on the record itself (rules with `where`, deny rules); this check
 * only refuses what no record could pass.
 */
import { AccessDeniedError } from '../../api/errors.js';
import { ruleHasResource, ruleHasVerb, type RoleSet } from '../../rbac/index.js';

/** A kind and verb a route needs. */
export interface RouteRule {
  kind: string;
  verb: string;
}

/**
 * Throws AccessDeniedError (the auth server's text) unless some role allows `verb` on `kind` by a rule
 * (with or without `where`) and no role denies it by a rule without `where`.
 */
export function checkRouteRule(checker: RoleSet, { kind, verb }: RouteRule): void {
  const roles = checker.all();
  const denied = roles.some((r) => (r.spec.deny.rules ?? []).some((rule) => !rule.where?.trim() && ruleHasResource(rule, kind) && ruleHasVerb(rule, verb)));
  const allowed = roles.some((r) => (r.spec.allow.rules ?? []).some((rule) => ruleHasResource(rule, kind) && ruleHasVerb(rule, verb)));
  if (denied || !allowed) throw new AccessDeniedError(`access denied to perform action "${verb}" on "${kind}"`);
}
