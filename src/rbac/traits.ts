/**
 * Trait template interpolation (facts §3.4): `{{internal.x}}`, `{{external.x}}`, `{{external["a b"]}}`,
 * literal prefix/suffix, `email.local()`, `regexp.replace()`, `strings.upper/lower`. Each trait value
 * yields one output value; a missing trait yields none; a malformed template throws BadParameterError.
 */
import type { LabelSelector, Role, RoleConditions, TemplateExpr, User } from '../api/types/index.js';
import { ROLE_LABEL_FIELDS, TEMPLATED_LISTS, compileGoRegex, goReplacement, parseTraitTemplate } from '../api/types/index.js';

/** User traits: trait name to values. */
export type Traits = Readonly<Record<string, readonly string[]>>;

function evalTemplate(e: TemplateExpr, traits: Traits): string[] {
  switch (e.type) {
    case 'string':
      return [e.value];
    case 'var':
      return [...(traits[e.name] ?? [])];
    case 'call': {
      const input = evalTemplate(e.args[0], traits);
      switch (e.fn) {
        case 'email.local':
          // Values that are not addresses are dropped (Teleport fails to parse them).
          return input.flatMap((v) => {
            const m = /^(?:[^<]*<)?([^@<>\s]+)@[^@<>\s]+>?$/.exec(v.trim());
            return m ? [m[1]] : [];
          });
        case 'strings.upper':
          return input.map((v) => v.toUpperCase());
        case 'strings.lower':
          return input.map((v) => v.toLowerCase());
        case 'regexp.replace': {
          const pattern = (e.args[1] as { value: string }).value;
          const repl = goReplacement((e.args[2] as { value: string }).value);
          const test = compileGoRegex(pattern);
          const re = compileGoRegex(pattern, { global: true });
          // Values the expression does not match are omitted, as Teleport does.
          return input.filter((v) => test.test(v)).map((v) => v.replace(re, repl));
        }
      }
    }
  }
}

/**
 * Interpolate one value. A literal comes back as `[value]`; a template yields one value per trait value
 * with prefix and suffix kept, empty results dropped; a missing trait gives `[]`. Throws
 * BadParameterError for a malformed template.
 */
export function applyTraits(value: string, traits: Traits): string[] {
  const t = parseTraitTemplate(value);
  if (!t) return [value];
  const out: string[] = [];
  for (const v of evalTemplate(t.expr, traits)) {
    if (v === '') continue;
    const s = `${t.prefix}${v}${t.suffix}`;
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** Interpolate every value of a list, de-duplicated, templates that fail to apply dropped. */
export function applyTraitsToList(values: readonly string[] | undefined, traits: Traits): string[] {
  const out: string[] = [];
  for (const v of values ?? []) {
    let res: string[];
    try {
      res = applyTraits(v, traits);
    } catch {
      res = []; // validation refuses malformed templates; a stored bad one must not grant anything
    }
    for (const r of res) if (!out.includes(r)) out.push(r);
  }
  return out;
}

const UNIX_LOGIN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;

/** True when `login` is usable as a Unix user name (others are dropped from interpolated logins). */
export function isValidUnixLogin(login: string): boolean {
  return login.length > 0 && login.length <= 256 && UNIX_LOGIN.test(login);
}

function applyToSelector(sel: LabelSelector | undefined, traits: Traits): LabelSelector | undefined {
  if (!sel) return sel;
  const out: LabelSelector = {};
  for (const [key, values] of Object.entries(sel)) {
    const keys = applyTraitsToList([key], traits);
    if (keys.length === 0) continue;
    const vals = applyTraitsToList(values, traits);
    if (vals.length === 0) continue;
    // Keys use the first value of a multi-valued trait, as Teleport does.
    out[keys[0]] = [...(out[keys[0]] ?? []), ...vals.filter((v) => !(out[keys[0]] ?? []).includes(v))];
  }
  return out;
}

const LIST_FIELDS = TEMPLATED_LISTS;

function applyConditions(c: RoleConditions, traits: Traits, side: 'allow' | 'deny'): RoleConditions {
  const out: RoleConditions = { ...c };
  for (const f of LIST_FIELDS) {
    if (c[f] === undefined) continue;
    let vals = applyTraitsToList(c[f], traits);
    // Only allow-side logins are filtered: dropping a deny entry (like `*`) would widen access.
    if (f === 'logins' && side === 'allow') vals = vals.filter(isValidUnixLogin);
    out[f] = vals;
  }
  for (const f of ROLE_LABEL_FIELDS) {
    const sel = c[f] as LabelSelector | undefined;
    if (sel !== undefined) (out as Record<string, unknown>)[f] = applyToSelector(sel, traits);
  }
  if (c.impersonate) {
    out.impersonate = {
      ...c.impersonate,
      users: c.impersonate.users && applyTraitsToList(c.impersonate.users, traits),
      roles: c.impersonate.roles && applyTraitsToList(c.impersonate.roles, traits),
    };
  }
  return out;
}

/**
 * A copy of `role` with the user's traits applied to logins (invalid Unix logins dropped), label
 * selector keys and values, Kubernetes users/groups, database names/users/roles and cloud identities.
 */
export function applyRoleTraits(role: Role, user: Pick<User, 'spec'> | { traits: Traits }): Role {
  const traits: Traits = 'traits' in user ? user.traits : user.spec.traits;
  return {
    ...role,
    spec: {
      options: role.spec.options,
      allow: applyConditions(role.spec.allow, traits, 'allow'),
      deny: applyConditions(role.spec.deny, traits, 'deny'),
    },
  };
}
