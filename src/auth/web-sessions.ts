/**
 * Web sessions: what a browser login creates. Each session holds a fresh key pair with the user's
 * SSH and X.509 certificates (the proxy acts with them on the user's behalf: SSH to nodes, API
 * calls as the user) and a short-lived bearer token the UI renews. Stored in the backend under
 * `/web/sessions/<id>`, expiring with the certificates, so every proxy of the cluster sees them.
 */
import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SSHLoginRequest, UserCertsRequest, UserCertsResponse, WebSessionData } from '../api/auth-wire.js';
import { MINUTE } from '../api/duration.js';
import { AccessDeniedError, BadParameterError, isCode } from '../api/errors.js';
import type { User } from '../api/types/index.js';
import type { Services } from '../services/index.js';
import { identityFromCertificate } from '../tlsca/index.js';
import { callerFromIdentity, type Caller } from './caller.js';

/** How long a bearer token lives before the UI must renew it (Teleport's BearerTokenTTL). */
export const BEARER_TOKEN_TTL = 10 * MINUTE;

/** A stored web session (the wire type: proxies in other processes receive it whole). */
export type WebSession = WebSessionData;

/** Throws AccessDeniedError unless `token` is the session's bearer token, unexpired at `nowMs`. */
export function checkBearerToken(s: WebSession, token: string | undefined, nowMs: number): void {
  const want = Buffer.from(s.bearer_token);
  const got = Buffer.from(token ?? '');
  if (got.length !== want.length || !timingSafeEqual(got, want)) throw new AccessDeniedError('bad bearer token');
  if (Date.parse(s.bearer_expires) <= nowMs) throw new AccessDeniedError(NEED_LOGIN);
}

/** What the sessions need from the auth service. */
export interface WebSessionsOptions {
  services: Services;
  /** Password (+ TOTP) check with lockout; throws AccessDeniedError. */
  authenticate(req: SSHLoginRequest): Promise<User>;
  /** Certificates for `user` per their current roles. */
  issue(user: User, req: UserCertsRequest): Promise<UserCertsResponse>;
  /** Called when a session of `user` is ended (logout): their app sessions end with it. */
  onDelete?(user: string): Promise<unknown>;
}

const key = (id: string) => `/web/sessions/${id}`;
const NEED_LOGIN = 'your web session has expired or was ended; log in again';

/** Creates, reads, renews and ends web sessions. Errors: AccessDeniedError for anything not a live session. */
export class WebSessions {
  constructor(private readonly opts: WebSessionsOptions) {}

  /** A local login (password + TOTP as the cluster requires). */
  async login(req: { user: string; password: string; otp?: string }): Promise<WebSession> {
    const user = await this.opts.authenticate({ user: req.user, password: req.password, ...(req.otp && { otp_token: req.otp }), public_key: '' });
    return this.create(user);
  }

  /**
   * A session for a user who has just proven who they are another way (completing an invite or
   * reset link, an SSO login for `ttlMs`). Only for in-process callers that did that check.
   */
  async createFor(username: string, ttlMs?: number): Promise<WebSession> {
    return this.create(await this.opts.services.users.get(username), ttlMs === undefined ? {} : { ttlMs });
  }

  /** The live session `id` of `user`. */
  async get(user: string, id: string): Promise<WebSession> {
    if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id)) throw new AccessDeniedError(NEED_LOGIN);
    let s: WebSession;
    try {
      s = JSON.parse((await this.opts.services.backend.get(key(id))).value) as WebSession;
    } catch (err) {
      if (isCode(err, 'not_found')) throw new AccessDeniedError(NEED_LOGIN);
      throw err;
    }
    if (s.user !== user || Date.parse(s.expires) <= this.now()) throw new AccessDeniedError(NEED_LOGIN);
    // A deleted user's sessions end with the user, not with their certificates.
    try {
      await this.opts.services.users.get(user);
    } catch (err) {
      if (!isCode(err, 'not_found')) throw err;
      await this.delete(id);
      throw new AccessDeniedError(NEED_LOGIN);
    }
    return s;
  }

  /** Throws AccessDeniedError unless `token` is the session's unexpired bearer token. */
  checkBearer(s: WebSession, token: string | undefined): void {
    checkBearerToken(s, token, this.now());
  }

  /**
   * A new session replacing `prev`: new id, bearer token and certificates (so role changes apply),
   * expiring no later than `prev`. `prev` stays valid until its bearer token expires (other tabs).
   */
  async renew(prev: WebSession): Promise<WebSession> {
    const user = await this.opts.services.users.get(prev.user);
    const left = Date.parse(prev.expires) - this.now();
    if (left <= 0) throw new AccessDeniedError(NEED_LOGIN);
    return this.create(user, { ttlMs: left, loginTime: prev.login_time });
  }

  /** Ends a session (logout). Unknown sessions are fine. */
  async delete(id: string): Promise<void> {
    let user: string | undefined;
    if (this.opts.onDelete && typeof id === 'string' && /^[0-9a-f]{64}$/.test(id)) {
      user = await this.opts.services.backend.get(key(id)).then(
        (item) => (JSON.parse(item.value) as WebSession).user,
        () => undefined,
      );
    }
    await this.opts.services.backend.delete(key(id)).catch((err: unknown) => {
      if (!isCode(err, 'not_found')) throw err;
    });
    if (user) await this.opts.onDelete?.(user);
  }

  /** The session's user as an API caller (roles and traits from its certificate, current role definitions). */
  caller(s: WebSession): Promise<Caller> {
    return callerFromIdentity(this.opts.services, identityFromCertificate(s.tls_cert), 'user');
  }

  private now(): number {
    return this.opts.services.clock.now();
  }

  private async create(user: User, opts: { ttlMs?: number; loginTime?: string } = {}): Promise<WebSession> {
    if (opts.ttlMs !== undefined && !(opts.ttlMs > 0)) throw new BadParameterError('invalid session TTL');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certs = await this.opts.issue(user, {
      username: user.metadata.name,
      public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      ...(opts.ttlMs !== undefined && { ttl_ms: opts.ttlMs }),
    });
    const now = this.now();
    const expires = Date.parse(certs.expires);
    const s: WebSession = {
      id: randomBytes(32).toString('hex'),
      user: user.metadata.name,
      priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ssh_cert: certs.ssh,
      tls_cert: certs.tls,
      bearer_token: randomBytes(32).toString('hex'),
      bearer_expires: new Date(Math.min(now + BEARER_TOKEN_TTL, expires)).toISOString(),
      expires: certs.expires,
      created: new Date(now).toISOString(),
      login_time: opts.loginTime ?? new Date(now).toISOString(),
    };
    await this.opts.services.backend.put({ key: key(s.id), value: JSON.stringify(s), expires });
    return s;
  }
}
