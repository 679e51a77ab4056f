/**
 * Role validation entry points: shape (zod), semantic checks, version defaults; and numeric accessors
 * for the Go-duration options a role keeps as strings.
 */
import { durationMs, checkHeader, parseWith } from './metadata.js';
import { checkRole } from './role-checks.js';
import { setRoleDefaults } from './role-defaults.js';
import type { Role, RoleConditions, RoleOptions } from './role-schema.js';
import { ROLE_VERSIONS, roleSchema } from './role-schema.js';

/**
 * Validate a role document (parsed YAML/JSON) and return a new Role with defaults for its version.
 * Throws BadParameterError naming the field (`spec.allow.logins: ...`). The input is not modified.
 */
export function validateRole(input: unknown): Role {
  checkHeader(input, 'role', ROLE_VERSIONS);
  const parsed = parseWith<Role>(roleSchema, structuredClone(input), 'role');
  const role: Role = {
    ...parsed,
    spec: {
      options: parsed.spec?.options ?? {},
      allow: parsed.spec?.allow ?? {},
      deny: parsed.spec?.deny ?? {},
    },
  };
  checkRole(role);
  return setRoleDefaults(role);
}

/** Role conditions as authors write them: label selector values may be a single string. */
export type RoleConditionsInput = {
  [K in keyof RoleConditions]?: NonNullable<RoleConditions[K]> extends Record<string, string[]>
    ? Record<string, string | string[]>
    : RoleConditions[K];
};

/** Alias of validateRole, named after Teleport's method. */
export const checkAndSetRoleDefaults = validateRole;

/** Build and validate a role from parts (defaults version v7). */
export function newRole(
  name: string,
  spec: { options?: RoleOptions; allow?: RoleConditionsInput; deny?: RoleConditionsInput },
  opts: { version?: string; labels?: Record<string, string>; description?: string } = {},
): Role {
  const metadata: Record<string, unknown> = { name };
  if (opts.description) metadata.description = opts.description;
  if (opts.labels) metadata.labels = opts.labels;
  return validateRole({ kind: 'role', version: opts.version ?? 'v7', metadata, spec });
}

/** The role's `max_session_ttl` in milliseconds (0 when unset). */
export function roleMaxSessionTTLms(role: Role): number {
  return durationMs(role.spec.options.max_session_ttl);
}

/** The role's `client_idle_timeout` in milliseconds (0 = no idle timeout). */
export function roleClientIdleTimeoutMs(role: Role): number {
  return durationMs(role.spec.options.client_idle_timeout);
}
