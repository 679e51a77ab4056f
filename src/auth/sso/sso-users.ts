/**
 * What an SSO login makes of the IdP's answer: roles and traits from the connector's mappings
 * (claims, attributes or teams to roles), and a temporary user that lives as long as the session
 * (Teleport's SSO users): `metadata.expires` is the certificates' expiry, `created_by.connector`
 * names the connector and the identity at the IdP. A local user of the same name is never replaced.
 */
import { AccessDeniedError, NotFoundError, isCode } from '../../api/errors.js';
import type { SSOKind } from '../../api/sso-wire.js';
import type { User } from '../../api/types/index.js';
import { selectorRegex } from '../../rbac/index.js';
import type { Services } from '../../services/index.js';

/** Who logged in, as a connector mapped them. */
export interface SSOIdentity {
  kind: SSOKind;
  connector: string;
  /** The Teleport user name (GitHub login, OIDC `username_claim`/email, SAML NameID). */
  username: string;
  roles: string[];
  traits: Record<string, string[]>;
}

/** A refusal of a user the IdP did identify (no mapped team or claim): the audit event names them. */
export class SSOUserRefusedError extends AccessDeniedError {
  constructor(
    message: string,
    readonly username: string,
  ) {
    super(message);
  }
}

/** A `claims_to_roles` / `attributes_to_roles` entry: `value` is a glob or `^regex$` (roles may use `$1`). */
export interface ValueMapping {
  name: string;
  value: string;
  roles: string[];
}

/** Roles the mappings give for the claims (each claim a list of values). */
export function rolesFromClaims(mappings: readonly ValueMapping[], claims: Record<string, string[]>): string[] {
  const out = new Set<string>();
  for (const m of mappings) {
    const re = selectorRegex(m.value);
    for (const v of claims[m.name] ?? []) {
      const hit = re.exec(v);
      if (!hit) continue;
      for (const role of m.roles) out.add(role.replace(/\$(\d)/g, (_, i: string) => hit[Number(i)] ?? ''));
    }
  }
  return [...out].filter((r) => r !== '');
}

/** Claims as Teleport traits: every value a string, nested values dropped, single values listed. */
export function claimsToTraits(claims: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(claims)) {
    const list = Array.isArray(v) ? v : [v];
    const strings = list.filter((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean').map(String);
    if (strings.length > 0) out[k] = strings;
  }
  return out;
}

/** Teleport user names: what SSO may create (no slashes, no control characters, at most 255). */
export function checkSSOUsername(name: string, kind: SSOKind): void {
  if (name === '' || name.length > 255 || /[\s/\\\u0000-\u001f]/.test(name)) {
    throw new AccessDeniedError(`the ${kind} identity provider returned an unusable user name ${JSON.stringify(name.slice(0, 64))}`);
  }
}

/**
 * Writes the temporary user for `id`, expiring at `expires`. Throws AccessDeniedError when a local
 * user holds the name or a mapped role does not exist (nothing is written then).
 */
export async function upsertSSOUser(services: Services, id: SSOIdentity, expires: Date): Promise<User> {
  checkSSOUsername(id.username, id.kind);
  for (const r of id.roles) {
    try {
      await services.roles.get(r);
    } catch (err) {
      if (isCode(err, 'not_found')) throw new AccessDeniedError(`${id.kind} connector "${id.connector}" maps the user to role "${r}", which does not exist: create it or fix the connector`, { cause: err });
      throw err;
    }
  }
  let existing: User | undefined;
  try {
    existing = await services.users.get(id.username);
  } catch (err) {
    if (!isCode(err, 'not_found')) throw err;
  }
  if (existing && !existing.spec.created_by?.connector) {
    throw new AccessDeniedError(`a local user named "${id.username}" exists: an SSO login may not take over a local user (rename one of them)`);
  }
  const now = new Date(services.clock.now()).toISOString();
  const user: User = {
    kind: 'user',
    version: 'v2',
    metadata: { name: id.username, expires: expires.toISOString() },
    spec: {
      roles: id.roles,
      traits: id.traits,
      created_by: { time: now, connector: { type: id.kind, id: id.connector, identity: id.username } },
      expires: expires.toISOString(),
      [`${id.kind}_identities`]: [{ connector_id: id.connector, username: id.username }],
    },
  } as User;
  return services.users.upsert(user);
}

/** NotFoundError naming the connector, as tctl and the login pages say it. */
export function connectorNotFound(kind: SSOKind, name: string, cause?: unknown): NotFoundError {
  return new NotFoundError(`${kind} connector "${name}" is not found: list them with tctl get ${kind}`, cause === undefined ? {} : { cause });
}
