/**
 * Who is calling the auth API, and what they may do: built from the verified client certificate.
 * Certificates signed by the host CA carry a system role (Admin, Node, Proxy, ...); certificates
 * signed by the user CA carry a user's roles and traits, evaluated against the current role
 * definitions in the backend.
 */
import { AccessDeniedError, isCode } from '../api/errors.js';
import type { Role } from '../api/types/index.js';
import { RoleSet, applyRoleTraits } from '../rbac/index.js';
import type { Services } from '../services/index.js';
import type { Identity } from '../tlsca/index.js';
import { builtinRole } from './builtin-roles.js';

/** An authenticated caller. */
export interface Caller {
  username: string;
  /** Set for hosts and the local admin (`Admin`, `Node`, `Proxy`, `Auth`, ...). */
  systemRole?: string;
  roles: string[];
  traits: Record<string, string[]>;
  checker: RoleSet;
  identity: Identity;
}

/** Builds the caller from a verified identity. `issuer` says which CA signed it. */
export async function callerFromIdentity(services: Services, identity: Identity, issuer: 'host' | 'user'): Promise<Caller> {
  if (issuer === 'host') {
    const systemRole = identity.systemRoles?.[0] ?? identity.groups[0];
    const role = builtinRole(systemRole);
    if (!role) throw new AccessDeniedError(`unsupported system role "${systemRole}"`);
    return { username: identity.username, systemRole, roles: [], traits: {}, checker: new RoleSet([role]), identity };
  }
  return userCaller(identity, await loadRoles(services, identity.groups));
}

/** A user caller from a verified user-CA identity and the current definitions of its roles (missing ones grant nothing). */
export function userCaller(identity: Identity, roles: Role[]): Caller {
  const traits = identity.traits ?? {};
  const applied = roles.map((r) => applyRoleTraits(r, { traits }));
  return { username: identity.username, roles: identity.groups, traits, checker: new RoleSet(applied), identity };
}

/** Role definitions by name; a role deleted since the cert was issued grants nothing. */
export async function loadRoles(services: Services, names: string[]): Promise<Role[]> {
  const out: Role[] = [];
  for (const name of names) {
    try {
      out.push(await services.roles.get(name));
    } catch (err) {
      if (!isCode(err, 'not_found')) throw err;
    }
  }
  return out;
}

/** The `where` context of a rule check: the caller as a user resource, and the resource acted on. */
export function ruleContext(caller: Caller, resource?: unknown): Record<string, unknown> {
  return {
    user: { kind: 'user', metadata: { name: caller.username }, spec: { roles: caller.roles, traits: caller.traits } },
    ...(resource !== undefined && { resource }),
  };
}

/** Throws AccessDeniedError unless the caller's roles allow `verb` on `kind`. */
export function authorize(caller: Caller, kind: string, verb: string, resource?: unknown): void {
  caller.checker.checkAccessToRule(ruleContext(caller, resource), kind, verb);
}

/** True when the caller is the cluster's own administrator identity (tctl on the auth host). */
export function isAdmin(caller: Caller): boolean {
  return caller.systemRole === 'Admin' || caller.systemRole === 'Auth';
}
