/**
 * Database access by role (Teleport's RoleSet.CheckAccess with the database user and name
 * matchers): a role allows a connection when its `db_labels` match the database's labels and both
 * its `db_users` and `db_names` match (`*` for any; globs and `^regex$` as for labels); a role
 * whose deny `db_labels` match denies when its deny `db_users` or `db_names` match. Deny wins.
 * Roles must have their trait templates applied (applyRoleTraits).
 */
import { AccessDeniedError } from '../api/errors.js';
import type { Role } from '../api/types/index.js';
import { matchLabels, matchesAny } from './label-match.js';

/** The connection asked for. */
export interface DatabaseAccessRequest {
  /** The database's labels (static_labels as heartbeated). */
  labels: Readonly<Record<string, string>>;
  dbUser: string;
  dbName: string;
  /**
   * Whether `db_names` decide (default yes). Teleport enforces database names only for protocols
   * whose connection names one database for good (PostgreSQL), not for MySQL, where `USE` moves on.
   */
  enforceNames?: boolean;
}

/** Teleport's refusal text (psql shows it as `FATAL:  ...`). */
export const DB_ACCESS_DENIED = 'access to db denied. User does not have permissions. Confirm database user and name.';

/**
 * Throws AccessDeniedError (Teleport's text, then which rule decided) unless `roles` allow the
 * connection; returns the name of the role that allowed it.
 */
export function checkDatabaseAccess(roles: readonly Role[], req: DatabaseAccessRequest): string {
  for (const role of roles) {
    const deny = role.spec.deny ?? {};
    if (!matchLabels(deny.db_labels, req.labels).matched) continue;
    if (matchesAny(req.dbUser, deny.db_users ?? [])) throw new AccessDeniedError(`${DB_ACCESS_DENIED} (role ${role.metadata.name} denies database user "${req.dbUser}")`);
    if (req.enforceNames !== false && matchesAny(req.dbName, deny.db_names ?? [])) throw new AccessDeniedError(`${DB_ACCESS_DENIED} (role ${role.metadata.name} denies database name "${req.dbName}")`);
  }
  let reason = 'no role allows this database (db_labels)';
  for (const role of roles) {
    const allow = role.spec.allow ?? {};
    if (!matchLabels(allow.db_labels, req.labels).matched) continue;
    if (!matchesAny(req.dbUser, allow.db_users ?? [])) {
      reason = `database user "${req.dbUser}" is not in db_users of the roles that allow this database`;
      continue;
    }
    if (req.enforceNames !== false && !matchesAny(req.dbName, allow.db_names ?? [])) {
      reason = `database name "${req.dbName}" is not in db_names of the roles that allow this database`;
      continue;
    }
    return role.metadata.name;
  }
  throw new AccessDeniedError(`${DB_ACCESS_DENIED} (${reason})`);
}

/** Whether some role's `db_labels` reach the database (listings; deny rules decide at connect, by user and name). */
export function canSeeDatabase(roles: readonly Role[], labels: Readonly<Record<string, string>>): boolean {
  return roles.some((r) => matchLabels(r.spec.allow?.db_labels, labels).matched);
}
