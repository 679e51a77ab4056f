/** The `where` context of a rule check: Teleport's `user` and `resource` variables. */

/** Who a rule is checked for: a user's (or host's) name, roles and traits. */
export interface RuleSubject {
  username: string;
  roles: string[];
  traits: Record<string, string[]>;
}

/** The context for `where`: the subject as a user resource, and the resource acted on (when there is one). */
export function ruleContext(subject: RuleSubject, resource?: unknown): Record<string, unknown> {
  return {
    user: { kind: 'user', metadata: { name: subject.username }, spec: { roles: subject.roles, traits: subject.traits } },
    ...(resource !== undefined && { resource }),
  };
}
