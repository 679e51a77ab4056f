/**
 * Semantic checks Teleport applies to roles beyond their shape: wildcards where they are not allowed,
 * `'*': <value>` selectors, rules without resources or verbs, unknown verbs, malformed trait templates and
 * where-expressions, invalid role names. Every failure is a BadParameterError naming the field.
 */
import { BadParameterError } from '../errors.js';
import { ROLE_LABEL_FIELDS, WILDCARD } from './role-defaults.js';
import type { Role, RoleConditions } from './role-schema.js';
import { parseTraitTemplate } from './trait-template.js';
import { parseWhere } from './where-syntax.js';

/** Rule verbs Teleport knows (`*` means all). `read` also grants `read_no_secrets`. */
export const KNOWN_VERBS: readonly string[] = [
  'list',
  'create',
  'read',
  'read_no_secrets',
  'update',
  'delete',
  'use',
  'enroll',
  'create_enroll_token',
  'rotate',
  WILDCARD,
];

/** Verbs that grant full control of a kind (Teleport's RW()). */
export const VERBS_RW: readonly string[] = ['list', 'create', 'read', 'update', 'delete'];
/** Verbs that grant read access (Teleport's RO()). */
export const VERBS_RO: readonly string[] = ['list', 'read'];
/** Verbs that grant read access without secrets (Teleport's ReadNoSecrets()). */
export const VERBS_READ_NO_SECRETS: readonly string[] = ['list', 'read_no_secrets'];

/** Allow-side lists in which `*` is refused (it would grant every principal). */
const NO_WILDCARD_FIELDS = ['logins', 'aws_role_arns', 'azure_identities', 'gcp_service_accounts', 'db_roles'] as const;

/** Allow/deny list fields whose values may hold trait templates (shared with rbac's interpolation). */
export const TEMPLATED_LISTS = [
  'logins',
  'windows_desktop_logins',
  'kubernetes_groups',
  'kubernetes_users',
  'db_names',
  'db_users',
  'db_roles',
  'aws_role_arns',
  'azure_identities',
  'gcp_service_accounts',
  'host_groups',
  'host_sudoers',
  'desktop_groups',
] as const;

const ROLE_NAME = /^[^\s/,\\{}]+$/;

/**
 * Check a role name: non-empty, at most 255 characters, no whitespace, control characters, slashes,
 * commas or braces (they break `kind/name` references and `--roles=a,b` lists).
 */
export function checkRoleName(name: string): void {
  if (!name || name.length > 255 || !ROLE_NAME.test(name) || /[\x00-\x1f\x7f]/.test(name)) {
    throw new BadParameterError(
      `metadata.name: invalid role name ${JSON.stringify(name)}: use letters, digits and - _ . : @ (no spaces, "/", "," or braces)`,
    );
  }
}

function checkTemplate(value: string, field: string): void {
  try {
    parseTraitTemplate(value);
  } catch (err) {
    throw new BadParameterError(`${field}: ${(err as Error).message}`, { cause: err });
  }
}

function checkWhere(where: string | undefined, field: string): void {
  if (where === undefined || where.trim() === '') return;
  try {
    parseWhere(where);
  } catch (err) {
    throw new BadParameterError(`${field}: ${(err as Error).message}`, { cause: err });
  }
}

function checkConditions(c: RoleConditions, side: 'allow' | 'deny'): void {
  const at = `spec.${side}`;
  if (side === 'allow') {
    for (const f of NO_WILDCARD_FIELDS) {
      if ((c[f] ?? []).includes(WILDCARD)) {
        throw new BadParameterError(`${at}.${f}: wildcard matcher "*" is not allowed in ${f}`);
      }
    }
  }
  for (const f of TEMPLATED_LISTS) {
    (c[f] ?? []).forEach((v, i) => checkTemplate(v, `${at}.${f}[${i}]`));
  }
  for (const f of ROLE_LABEL_FIELDS) {
    const sel = c[f] as Record<string, string[]> | undefined;
    for (const [key, values] of Object.entries(sel ?? {})) {
      if (key === WILDCARD && !(values.length === 1 && values[0] === WILDCARD)) {
        throw new BadParameterError(
          `${at}.${f}: selector *:${values.join(',')} is not supported, a wildcard key can only be used with a wildcard value ('*': '*')`,
        );
      }
      checkTemplate(key, `${at}.${f}`);
      values.forEach((v) => checkTemplate(v, `${at}.${f}.${key}`));
    }
  }
  (c.rules ?? []).forEach((rule, i) => {
    const rat = `${at}.rules[${i}]`;
    if (!rule.resources || rule.resources.length === 0) {
      throw new BadParameterError(`${rat}.resources: a rule needs at least one resource kind`);
    }
    if (!rule.verbs || rule.verbs.length === 0) {
      throw new BadParameterError(`${rat}.verbs: a rule needs at least one verb`);
    }
    for (const v of rule.verbs) {
      if (!KNOWN_VERBS.includes(v)) {
        throw new BadParameterError(`${rat}.verbs: unknown verb "${v}" (known: ${KNOWN_VERBS.join(', ')})`);
      }
    }
    checkWhere(rule.where, `${rat}.where`);
  });
  if (c.impersonate) {
    if (side === 'deny' && c.impersonate.where) {
      throw new BadParameterError(`${at}.impersonate.where: where is not supported in deny rules`);
    }
    checkWhere(c.impersonate.where, `${at}.impersonate.where`);
  }
  const review = c.review_requests?.where;
  if (review !== undefined) {
    if (typeof review !== 'string') throw new BadParameterError(`${at}.review_requests.where: must be a string`);
    checkWhere(review, `${at}.review_requests.where`);
  }
}

/** Run every semantic check on a shape-validated role. Throws BadParameterError on the first problem. */
export function checkRole(role: Role): void {
  checkRoleName(role.metadata.name);
  checkConditions(role.spec.allow, 'allow');
  checkConditions(role.spec.deny, 'deny');
}
