/**
 * The roles behind system identities (certificates signed by the host CA): what the local admin,
 * nodes and proxies may do through the auth API. Expressed as ordinary roles so one RoleSet
 * evaluates everyone.
 */
import type { Role } from '../api/types/index.js';

const RO = ['list', 'read'];
const NO_SECRETS = ['list', 'read_no_secrets'];

type Rule = { resources: string[]; verbs: string[] };

function role(name: string, rules: Rule[]): Role {
  return {
    kind: 'role',
    version: 'v7',
    metadata: { name: `builtin-${name}` },
    spec: { allow: { rules }, deny: {}, options: {} },
  } as unknown as Role;
}

const ROLES: Record<string, Role> = {
  Admin: role('Admin', [{ resources: ['*'], verbs: ['*'] }]),
  Auth: role('Auth', [{ resources: ['*'], verbs: ['*'] }]),
  Node: role('Node', [
    { resources: ['node'], verbs: ['list', 'read', 'create', 'update'] },
    { resources: ['cert_authority'], verbs: NO_SECRETS },
    { resources: ['cluster_name', 'cluster_auth_preference', 'role', 'user', 'namespace'], verbs: RO },
    { resources: ['event', 'session'], verbs: ['create', 'update'] },
    { resources: ['session_tracker'], verbs: ['create', 'update', 'delete', 'read'] },
  ]),
  Proxy: role('Proxy', [
    { resources: ['proxy', 'node'], verbs: ['list', 'read', 'create', 'update'] },
    { resources: ['cert_authority'], verbs: NO_SECRETS },
    { resources: ['cluster_name', 'cluster_auth_preference', 'role', 'user', 'namespace', 'github', 'token', 'user_token'], verbs: RO },
    { resources: ['event', 'session'], verbs: ['create', 'update', 'list', 'read'] },
  ]),
};

/** The role of a system identity, or undefined for roles this cluster does not know. */
export function builtinRole(systemRole: string): Role | undefined {
  return ROLES[systemRole];
}
