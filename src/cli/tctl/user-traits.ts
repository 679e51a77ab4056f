/**
 * The trait flags `tctl users add` and `tctl users update` share, mapped to Teleport's trait keys
 * (`--logins` → `logins`, `--kubernetes-groups` → `kubernetes_groups`...), and role checks.
 */
import { NotFoundError, isCode } from '../../api/errors.js';
import type { AuthClient } from '../../api/client/index.js';
import type { FlagSpec } from '../framework/index.js';

/** Flag name (without prefix) → trait key. */
export const TRAIT_FLAGS: ReadonlyArray<{ flag: string; trait: string; help: string }> = [
  { flag: 'logins', trait: 'logins', help: 'List of allowed SSH logins for the new user' },
  { flag: 'windows-logins', trait: 'windows_logins', help: 'List of allowed Windows logins for the new user' },
  { flag: 'kubernetes-users', trait: 'kubernetes_users', help: 'List of allowed Kubernetes users for the new user' },
  { flag: 'kubernetes-groups', trait: 'kubernetes_groups', help: 'List of allowed Kubernetes groups for the new user' },
  { flag: 'db-users', trait: 'db_users', help: 'List of allowed database users for the new user' },
  { flag: 'db-names', trait: 'db_names', help: 'List of allowed database names for the new user' },
  { flag: 'db-roles', trait: 'db_roles', help: 'List of database roles for automatic database user provisioning' },
  { flag: 'aws-role-arns', trait: 'aws_role_arns', help: 'List of allowed AWS role ARNs for the new user' },
];

/** List flags for each trait, named `<prefix><flag>` (`--logins`, `--set-logins`). */
export function traitFlagSpecs(prefix: string): FlagSpec[] {
  return TRAIT_FLAGS.map((t) => ({ name: `${prefix}${t.flag}`, type: 'list' as const, help: t.help }));
}

/** Traits given on the command line (only flags that were used with at least one value). */
export function traitsFromFlags(flags: Record<string, unknown>, prefix: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of TRAIT_FLAGS) {
    const v = flags[`${prefix}${t.flag}`] as string[] | undefined;
    if (v && v.length > 0) out[t.trait] = v;
  }
  return out;
}

/** NotFoundError `role "x" is not found` for the first role that does not exist. */
export async function checkRolesExist(client: AuthClient, roles: string[]): Promise<void> {
  for (const r of roles) {
    try {
      await client.getResource('role', r);
    } catch (err) {
      if (isCode(err, 'not_found')) throw new NotFoundError(`role "${r}" is not found`, { cause: err });
      throw err;
    }
  }
}
