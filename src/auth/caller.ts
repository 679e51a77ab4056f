/**
 * Who is calling the auth API, and what they may do: built from the verified client certificate.
 * Certificates signed by the host CA carry a system role (Admin, Node, Proxy, ...); certificates
 * signed by the user CA carry a user's roles and traits, evaluated against the current role
 * definitions in the backend.
 */
import { AccessDeniedError, isCode } from '../api/errors.js';
import type { Role } from '../api/types/index.js';
import { RoleSet, applyRoleTraits, ruleContext } from '../rbac/index.js';
import type { Services } from '../services/index.js';
import type { Identity } from '../tlsca/index.js';
import { builtinRole } from './builtin-roles.js';

/** An authenticated caller. */
export interface Caller {
  username: string;
  /** Set for hosts and the local admin (`Admin`, `Node`, `Proxy`, `Auth`, ...). */
  systemRole?: string;
  /** A host's UUID (its certificate's CN without `.<cluster>`); set with systemRole. */
  hostId?: string;
  /** The DNS and IP names of a host's client certificate: what it joined with (renewals may not ask for more). */
  hostNames?: string[];
  roles: string[];
  traits: Record<string, string[]>;
  checker: RoleSet;
  identity: Identity;
}

/**
 * Builds the caller from a verified identity. `issuer` says which CA signed it; `hostNames` are the
 * certificate's subject alternative names (hosts only).
 */
export async function callerFromIdentity(services: Services, identity: Identity, issuer: 'host' | 'user', hostNames: string[] = []): Promise<Caller> {
  if (issuer === 'host') {
    const systemRole = identity.systemRoles?.[0] ?? identity.groups[0];
    const suffix = `.${identity.teleportCluster ?? ''}`;
    const hostId = identity.username.endsWith(suffix) ? identity.username.slice(0, -suffix.length) : identity.username;
    const role = /^[A-Za-z0-9._-]{1,128}$/.test(hostId) ? builtinRole(systemRole, hostId) : undefined;
    if (!role) throw new AccessDeniedError(`unsupported system role "${systemRole}" or host ID "${hostId}"`);
    return { username: identity.username, systemRole, hostId, hostNames, roles: [], traits: {}, checker: new RoleSet([role]), identity };
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

/**
 * The one authorization rule of the auth API: throws AccessDeniedError unless the caller's roles
 * allow `verb` on `kind` for `resource` (the record written or deleted; a rule's `where` sees it).
 * Every route goes through this; hosts' roles limit their writes to their own records
 * (builtin-roles.ts), so no route needs an ownership check of its own.
 */
export function authorize(caller: Caller, kind: string, verb: string, resource?: unknown): void {
  try {
    caller.checker.checkAccessToRule(ruleContext(caller, resource), kind, verb);
  } catch (err) {
    const name = (resource as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
    if (!(err instanceof AccessDeniedError) || !caller.systemRole || typeof name !== 'string' || !ownRecordsOnly(caller, kind, verb)) throw err;
    throw new AccessDeniedError(`${caller.systemRole} host "${caller.hostId}" may not ${verb} ${kind} "${name}": a host may write only its own records`, { cause: err });
  }
}

/** True when the caller's roles grant `verb` on `kind` only under a `where` clause (a host's own records). */
function ownRecordsOnly(caller: Caller, kind: string, verb: string): boolean {
  return caller.checker.all().some((r) => (r.spec.allow.rules ?? []).some((rule) => rule.where && rule.resources.includes(kind) && rule.verbs.includes(verb)));
}

/** True when the caller is the cluster's own administrator identity (tctl on the auth host). */
export function isAdmin(caller: Caller): boolean {
  return caller.systemRole === 'Admin' || caller.systemRole === 'Auth';
}

/**
 * The user whose own MFA devices (and per-session MFA challenges) the caller acts on: always the
 * caller itself, as in Teleport, where no role rule is needed to manage one's own devices. Hosts
 * and the cluster's admin identity have no devices: AccessDeniedError.
 */
export function authorizeOwnMFA(caller: Caller): string {
  if (caller.systemRole) throw new AccessDeniedError(`${caller.systemRole} identities have no MFA devices: only users manage their own`);
  return caller.username;
}
