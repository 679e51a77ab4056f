/**
 * Join tokens: generation (`tctl tokens add`), listing with static tokens from teleport.yaml,
 * removal, and the check a joining host passes (exists, not expired, allows the requested role).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../api/clock.js';
import { MINUTE } from '../api/duration.js';
import { AccessDeniedError, BadParameterError, isCode } from '../api/errors.js';
import type { GenerateTokenRequest, TokenInfo } from '../api/auth-wire.js';
import type { ProvisionToken } from '../api/types/index.js';
import type { Services } from '../services/index.js';

/** Default TTL of a provisioning token (Teleport's ProvisioningTokenTTL). */
export const DEFAULT_TOKEN_TTL = 30 * MINUTE;
/** System roles a token may grant. */
export const JOINABLE_ROLES = ['Node', 'Proxy', 'Auth', 'App', 'Db', 'Kube', 'WindowsDesktop', 'Discovery', 'Bot', 'Trusted_cluster'];

/** A static token from `auth_service.tokens`. */
export interface StaticToken {
  token: string;
  roles: string[];
}

/**
 * Canonical casing of a system role name (`node` → `Node`); BadParameterError for unknown roles.
 * `Admin` is accepted only when `allowAdmin` (the auth process's own identities), never for tokens.
 */
export function canonicalSystemRole(name: unknown, allowAdmin = false): string {
  const known = allowAdmin ? [...JOINABLE_ROLES, 'Admin'] : JOINABLE_ROLES;
  const found = typeof name === 'string' ? known.find((r) => r.toLowerCase() === name.trim().toLowerCase()) : undefined;
  if (!found) {
    const shown = typeof name === 'string' ? name : name === null ? 'null' : Array.isArray(name) ? 'a list' : typeof name === 'object' ? 'an object' : `a ${typeof name}`;
    throw new BadParameterError(`unknown role "${shown}": expected one of ${JOINABLE_ROLES.map((r) => r.toLowerCase()).join(', ')}`);
  }
  return found;
}

/** The longest TTL a join token may have (longer ones overflow a date). */
const MAX_TOKEN_TTL_MS = 100 * 365 * 24 * 3600 * 1000;

/** A random join token: 16 bytes as 32 hex characters. */
export function randomToken(): string {
  return randomBytes(16).toString('hex');
}

/** Builds the token resource for a generate request. */
export function newProvisionToken(req: GenerateTokenRequest, clock: Clock): ProvisionToken {
  if (!Array.isArray(req.roles) || req.roles.length === 0) throw new BadParameterError('a token needs at least one role (--type)');
  const roles = req.roles.map((r) => canonicalSystemRole(r));
  const ttl = req.ttl_ms ?? DEFAULT_TOKEN_TTL;
  if (typeof ttl !== 'number' || !(ttl > 0)) throw new BadParameterError('token TTL must be a positive number of milliseconds');
  if (ttl > MAX_TOKEN_TTL_MS) throw new BadParameterError(`token TTL ${ttl} ms is too long: at most 100 years`);
  const name = req.token ?? randomToken();
  if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name)) throw new BadParameterError(`invalid token value "${name}": use letters, digits, '-', '_' and '.'`);
  return {
    kind: 'token',
    version: 'v2',
    metadata: { name, expires: new Date(clock.now() + ttl).toISOString(), ...(req.labels && { labels: req.labels }) },
    spec: { roles, join_method: 'token' },
  } as ProvisionToken;
}

/** Token rows for `tctl tokens ls`: static tokens first, then stored ones. */
export async function listTokens(services: Services, staticTokens: StaticToken[]): Promise<TokenInfo[]> {
  const stored = await services.tokens.list();
  return [
    ...staticTokens.map((t) => ({ token: t.token, roles: t.roles, labels: {}, static: true })),
    ...stored.map((t) => ({
      token: t.metadata.name,
      roles: t.spec.roles,
      labels: t.metadata.labels ?? {},
      ...(t.metadata.expires && { expires: t.metadata.expires }),
    })),
  ];
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks a join attempt. Throws AccessDeniedError for an unknown or expired token, or one that
 * does not allow `role`; the message does not reveal which tokens exist.
 */
export async function checkJoinToken(services: Services, staticTokens: StaticToken[], token: string, role: string, hostId?: string): Promise<void> {
  const wanted = canonicalSystemRole(role);
  const st = staticTokens.find((t) => sameSecret(t.token, token));
  let roles: string[];
  let dynamic: ProvisionToken | undefined;
  if (st) {
    roles = st.roles;
  } else {
    try {
      dynamic = await services.tokens.get(token);
      roles = dynamic.spec.roles;
      const method = dynamic.spec.join_method || 'token';
      // The name of an ec2/iam/kubernetes token is no secret: it never joins as one.
      if (method !== 'token') {
        throw new AccessDeniedError(`the join token "${token}" is for the ${method} join method, not a secret token; set teleport.join_params.method: ${method} on the joining host`);
      }
    } catch (err) {
      if (isCode(err, 'not_found') || isCode(err, 'bad_parameter')) {
        throw new AccessDeniedError('the join token is not valid: it does not exist or has expired; create a new one with "tctl tokens add"');
      }
      throw err;
    }
  }
  if (!roles.map((r) => r.toLowerCase()).includes(wanted.toLowerCase())) {
    throw new AccessDeniedError(`the join token does not allow joining as "${wanted}" (it allows: ${roles.join(', ')})`);
  }
  if (dynamic && hostId !== undefined) await bindTokenToHost(services, dynamic, hostId);
}

/**
 * A dynamic token joins one host: the first host to use it owns it until it expires (that host may
 * use it again, for its other roles or a retried join); any other host is refused. Static tokens
 * from teleport.yaml are shared by design and never bound.
 */
async function bindTokenToHost(services: Services, token: ProvisionToken, hostId: string): Promise<void> {
  const key = `/tokenbindings/${token.metadata.name}`;
  const expires = token.metadata.expires ? Date.parse(token.metadata.expires) : undefined;
  try {
    await services.backend.create({ key, value: hostId, ...(expires !== undefined && !Number.isNaN(expires) && { expires }) });
    return;
  } catch (err) {
    if (!isCode(err, 'already_exists')) throw err;
  }
  const bound = await services.backend.get(key).catch((err: unknown) => {
    if (isCode(err, 'not_found')) return undefined;
    throw err;
  });
  if (bound && bound.value !== hostId) {
    throw new AccessDeniedError('the join token has already been used by another host; create a new one with "tctl tokens add" for each host');
  }
}
