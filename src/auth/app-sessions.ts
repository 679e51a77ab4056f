/**
 * Application sessions (Teleport's app WebSessions): what a browser's `__Host-grv_app_session`
 * cookie and a `tsh app login` certificate name. A user creates one for themselves to one app their
 * roles' `app_labels` reach; it holds the user's roles and traits from their certificate and a
 * secret subject token, and expires with that certificate (or sooner). Stored in the backend under
 * `/web/appsessions/<id>` with that expiry, so every proxy sees it; a web logout ends all of the
 * user's app sessions. Also signs the JWT (`teleport-jwt-assertion`) agents put on requests.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { APP_SESSION_PREFIX, type AppSessionWire, type AppTokenRequest, type CreateAppSessionRequest } from '../api/app-wire.js';
import type { RouteToAppWire } from '../api/auth-wire.js';
import { AccessDeniedError, BadParameterError, NotFoundError, isCode } from '../api/errors.js';
import type { AgentServer } from '../api/types/index.js';
import { rangeEnd } from '../backend/index.js';
import { checkAppAccess } from '../rbac/app-access.js';
import type { Services } from '../services/index.js';
import type { RouteToApp } from '../tlsca/index.js';
import { caSigner } from './authorities.js';
import type { Caller } from './caller.js';
import { authorize } from './caller.js';

const PREFIX = APP_SESSION_PREFIX;
const key = (id: string) => `${PREFIX}${id}`;
/** The longest a JWT may live (agents ask again before then). */
const MAX_TOKEN_MS = 60 * 60_000;

/** The app an app_server heartbeat serves, as auth reads it. */
export function appOfServer(s: AgentServer): { name: string; publicAddr: string; uri: string; labels: Record<string, string> } {
  const app = (s.spec.app ?? {}) as { metadata?: { labels?: Record<string, string> }; spec?: { public_addr?: string; uri?: string } };
  return { name: s.metadata.name, publicAddr: app.spec?.public_addr ?? '', uri: app.spec?.uri ?? '', labels: app.metadata?.labels ?? {} };
}

/** `host` of `host[:port]`, lower-cased. */
export function hostOf(addr: string): string {
  return addr.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/:\d+$/, '').toLowerCase();
}

/** Creates, reads and ends app sessions; signs app JWTs. */
export class AppSessions {
  constructor(
    private readonly services: Services,
    private readonly clusterName: string,
  ) {}

  /**
   * A session for the calling user to the app named by `app_name` or `public_addr`. Throws
   * AccessDeniedError for hosts, another user's name, or an app the roles do not reach (deny wins);
   * NotFoundError for an unknown app.
   */
  async create(caller: Caller, req: CreateAppSessionRequest): Promise<AppSessionWire> {
    if (caller.systemRole) throw new AccessDeniedError('app sessions are created by users for themselves: log in with tsh or the web UI');
    if (req?.username && req.username !== caller.username) throw new AccessDeniedError(`user "${caller.username}" may not create an app session for "${req.username}"`);
    if (req?.cluster_name && req.cluster_name !== this.clusterName) throw new NotFoundError(`cluster "${req.cluster_name}" is not this cluster (${this.clusterName})`);
    authorize(caller, 'app_server', 'read');
    const wantName = typeof req?.app_name === 'string' ? req.app_name : '';
    const wantAddr = typeof req?.public_addr === 'string' ? hostOf(req.public_addr) : '';
    if (!wantName && !wantAddr) throw new BadParameterError('name the app: app_name or public_addr');
    const servers = await this.services.agentServers('app_server').list();
    const found = servers.map(appOfServer).find((a) => (wantName ? a.name === wantName : hostOf(a.publicAddr) === wantAddr));
    if (!found) throw new NotFoundError(`app "${wantName || wantAddr}" not found`);
    checkAppAccess(caller.checker.all(), found.name, found.labels);
    const now = this.services.clock.now();
    let expires = caller.identity.expires.getTime();
    if (req.ttl_ms !== undefined) {
      if (typeof req.ttl_ms !== 'number' || !(req.ttl_ms > 0)) throw new BadParameterError('ttl_ms must be a positive number of milliseconds');
      expires = Math.min(expires, now + req.ttl_ms);
    }
    if (expires <= now) throw new AccessDeniedError('your certificate has expired; log in again');
    const s: AppSessionWire = {
      session_id: randomBytes(32).toString('hex'),
      subject_token: randomBytes(32).toString('hex'),
      user: caller.username,
      app_name: found.name,
      public_addr: found.publicAddr,
      cluster_name: this.clusterName,
      roles: caller.roles,
      traits: caller.traits,
      expires: new Date(expires).toISOString(),
      created: new Date(now).toISOString(),
    };
    await this.services.backend.put({ key: key(s.session_id), value: JSON.stringify(s), expires });
    return s;
  }

  /** The live session `id`; proxies (app_session read) or its own user. Throws NotFoundError. */
  async get(caller: Caller, id: string): Promise<AppSessionWire> {
    // Hosts are authorized before anything is read; a user may read only their own.
    if (caller.systemRole) authorize(caller, 'app_session', 'read');
    const s = await this.read(id);
    if (s.user !== caller.username) authorize(caller, 'app_session', 'read');
    return s;
  }

  /** The live session `id` (in-process callers that have authenticated the request). Throws NotFoundError. */
  async read(id: string): Promise<AppSessionWire> {
    if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id)) throw new NotFoundError('app session not found');
    let s: AppSessionWire;
    try {
      s = JSON.parse((await this.services.backend.get(key(id))).value) as AppSessionWire;
    } catch (err) {
      if (isCode(err, 'not_found')) throw new NotFoundError('app session not found or expired', { cause: err });
      throw err;
    }
    if (Date.parse(s.expires) <= this.services.clock.now()) throw new NotFoundError('app session not found or expired');
    return s;
  }

  /**
   * The certificate route of `user`'s app session `r.session_id` and how long it has left. Throws
   * AccessDeniedError when the session is not live, not the user's, or for another app.
   */
  async routeFor(user: string, r: RouteToAppWire): Promise<{ route: RouteToApp; ttlMs: number }> {
    if (!r || typeof r.session_id !== 'string') throw new BadParameterError('route_to_app.session_id is required');
    let s: AppSessionWire;
    try {
      s = await this.read(r.session_id);
    } catch (err) {
      if (isCode(err, 'not_found')) throw new AccessDeniedError('app session not found or expired: run "tsh app login" again', { cause: err });
      throw err;
    }
    if (s.user !== user) throw new AccessDeniedError('the app session belongs to another user');
    if (r.name && r.name !== s.app_name) throw new AccessDeniedError(`the app session is for app "${s.app_name}", not "${r.name}"`);
    const ttlMs = Date.parse(s.expires) - this.services.clock.now();
    return { route: { sessionId: s.session_id, publicAddr: s.public_addr, clusterName: s.cluster_name, name: s.app_name }, ttlMs };
  }

  /** Ends session `id`: its own user, or a caller with `app_session` delete (proxies). An unknown one is fine. */
  async delete(caller: Caller, id: string): Promise<void> {
    if (caller.systemRole) authorize(caller, 'app_session', 'delete');
    let s: AppSessionWire;
    try {
      s = await this.read(id);
    } catch (err) {
      if (isCode(err, 'not_found')) return;
      throw err;
    }
    if (s.user !== caller.username) authorize(caller, 'app_session', 'delete');
    await this.services.backend.delete(key(id)).catch((err: unknown) => {
      if (!isCode(err, 'not_found')) throw err;
    });
  }

  /** Every live app session (proxies' caches: `app_session` list and read). */
  async list(caller: Caller): Promise<AppSessionWire[]> {
    authorize(caller, 'app_session', 'list');
    authorize(caller, 'app_session', 'read');
    return this.listAll();
  }

  /** Every live app session (in-process callers that are the proxy). */
  async listAll(): Promise<AppSessionWire[]> {
    const now = this.services.clock.now();
    const out: AppSessionWire[] = [];
    for (const item of await this.services.backend.getRange(PREFIX, rangeEnd(PREFIX))) {
      try {
        const s = JSON.parse(item.value) as AppSessionWire;
        if (Date.parse(s.expires) > now) out.push(s);
      } catch {
        // A value no reader can use is skipped, as a read of it would fail.
      }
    }
    return out;
  }

  /** Ends every app session of `user` (their web logout). */
  async deleteForUser(user: string): Promise<number> {
    const items = await this.services.backend.getRange(PREFIX, rangeEnd(PREFIX));
    let n = 0;
    for (const item of items) {
      try {
        if ((JSON.parse(item.value) as AppSessionWire).user !== user) continue;
        await this.services.backend.delete(item.key);
        n++;
      } catch (err) {
        if (!isCode(err, 'not_found') && !(err instanceof SyntaxError)) throw err;
      }
    }
    return n;
  }

  /**
   * A JWT (RS256, Teleport's claims: sub, iss, aud, nbf, iat, exp, username, roles, traits) signed
   * by the cluster's `jwt` CA. Only for callers with `app_token` create (application agents).
   */
  async signToken(caller: Caller, req: AppTokenRequest): Promise<{ token: string }> {
    authorize(caller, 'app_token', 'create');
    if (typeof req?.username !== 'string' || req.username === '') throw new BadParameterError('username is required');
    if (typeof req.uri !== 'string' || req.uri === '') throw new BadParameterError('uri is required');
    if (!Array.isArray(req.roles) || !req.roles.every((r) => typeof r === 'string')) throw new BadParameterError('roles must be a list of strings');
    const now = this.services.clock.now();
    const exp = Date.parse(req.expires);
    if (!Number.isFinite(exp) || exp <= now) throw new BadParameterError('expires must be a time in the future');
    const ca = await this.services.authorities('jwt').get(this.clusterName);
    const key = caSigner(ca).jwtPrivateKey();
    const seconds = (ms: number) => Math.floor(ms / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: jwkThumbprint(key) };
    const claims = {
      aud: [req.uri],
      exp: seconds(Math.min(exp, now + MAX_TOKEN_MS)),
      iat: seconds(now),
      iss: this.clusterName,
      nbf: seconds(now - 10_000),
      sub: req.username,
      username: req.username,
      roles: req.roles,
      traits: req.traits ?? {},
    };
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const signing = `${b64(header)}.${b64(claims)}`;
    const signature = sign('sha256', Buffer.from(signing), key).toString('base64url');
    return { token: `${signing}.${signature}` };
  }
}

/** RFC 7638 thumbprint of an RSA key: the `kid` of the JWT and of its key in jwks.json. */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as { n: string; e: string };
  return createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
}
