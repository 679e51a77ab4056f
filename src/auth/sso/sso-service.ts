/**
 * The single sign-on flow every connector kind shares: list the connectors, start a login (an auth
 * request remembering tsh's key and callback, or the browser's CSRF cookie), and complete it from
 * the IdP's callback: consume the request (a replay finds nothing), let the provider check the
 * IdP's answer and map it to roles and traits, write the temporary user, then issue certificates
 * (tsh) or a web session (browser). Every completion is audited as `user.login` (T1001I/T1001W)
 * with the method, the connector and, on failure, the reason; a failure creates nothing.
 */
import { createPublicKey } from 'node:crypto';
import type { UserCertsRequest, UserCertsResponse, WebSessionData } from '../../api/auth-wire.js';
import { parseDuration } from '../../api/duration.js';
import { AccessDeniedError, BadParameterError, isCode } from '../../api/errors.js';
import type { SSOAuthRequestCreate, SSOAuthRequestCreated, SSOCallbackRequest, SSOCallbackResponse, SSOConnectorInfo, SSOKind } from '../../api/sso-wire.js';
import { isSSOKind } from '../../api/sso-wire.js';
import type { User } from '../../api/types/index.js';
import { auditEvent } from '../../events/index.js';
import { RoleSet, applyRoleTraits } from '../../rbac/index.js';
import type { Services } from '../../services/index.js';
import type { AuthAudit, RequestMeta } from '../audit.js';
import { loadRoles } from '../caller.js';
import { DEFAULT_USER_CERT_TTL, MAX_CERT_TTL } from '../certs.js';
import { GithubProvider } from './github.js';
import { OIDCProvider } from './oidc.js';
import { SAMLProvider } from './saml.js';
import type { SSOProvider } from './provider.js';
import { SSORequests, type SSOAuthRequest } from './requests.js';
import { SSOUserRefusedError, upsertSSOUser } from './sso-users.js';

/** What the flow needs from the auth service. */
export interface SSOServiceOptions {
  services: Services;
  audit: AuthAudit;
  /** Certificates for `user` per their roles (AuthService's issuance). */
  issue(user: User, req: UserCertsRequest): Promise<UserCertsResponse>;
  /** A web session for the just-written user, lasting `ttlMs`. */
  createWebSession(username: string, ttlMs: number): Promise<WebSessionData>;
  /** Providers by kind; default GitHub, OIDC and SAML over the stored connectors. */
  providers?: SSOProvider[];
}

/** Console callbacks must go back to tsh on this machine. */
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}\/[^\s]*$/;

/** The flow. Methods throw BadParameterError for malformed input, NotFoundError for unknown connectors. */
export class SSOService {
  private readonly requests: SSORequests;
  private readonly providers: Map<SSOKind, SSOProvider>;

  constructor(private readonly opts: SSOServiceOptions) {
    this.requests = new SSORequests({ backend: opts.services.backend, clock: opts.services.clock });
    const list = opts.providers ?? [new GithubProvider(opts.services), new OIDCProvider(opts.services), new SAMLProvider(opts.services)];
    this.providers = new Map(list.map((p) => [p.kind, p]));
  }

  /** Every connector of every kind (public: names and button texts only). */
  async connectors(): Promise<SSOConnectorInfo[]> {
    const out: SSOConnectorInfo[] = [];
    for (const p of this.providers.values()) out.push(...(await p.list()).map((c) => ({ kind: p.kind, ...c })));
    return out;
  }

  /** Starts a login: stores the request and returns the IdP's login URL. */
  async createRequest(kind: string, body: SSOAuthRequestCreate): Promise<SSOAuthRequestCreated> {
    const p = this.provider(kind);
    const b = checkCreate(body);
    const extra = await p.prepare(b.connector_id);
    const req = await this.requests.create(p.kind, { ...b, ...extra });
    return { redirect_url: await p.loginURL(req), request_id: req.id };
  }

  /**
   * Completes a login from the IdP's callback. An unknown, expired or replayed request throws
   * AccessDeniedError; any later failure comes back as `error` (audited), so the proxy can tell tsh.
   */
  async complete(kind: string, body: SSOCallbackRequest, meta: RequestMeta = {}): Promise<SSOCallbackResponse> {
    const p = this.provider(kind);
    const params = stringParams(body?.params);
    let req: SSOAuthRequest;
    try {
      req = await this.requests.consume(p.kind, p.requestId(params));
    } catch (err) {
      this.audited(p.kind, body?.connector_id ?? '', undefined, meta, err);
      throw err;
    }
    const base = { kind: p.kind, connector_id: req.connector_id, client_redirect_url: req.client_redirect_url };
    let username: string | undefined;
    try {
      if (req.create_web_session && (!req.csrf_token || req.csrf_token !== body.csrf_token)) {
        throw new AccessDeniedError('the login was started in another browser (CSRF token mismatch): start it again from this browser');
      }
      const id = await p.finish(req, params);
      username = id.username;
      const ttlMs = await this.sessionTTL(id.roles, id.traits, req.ttl_ms);
      const user = await upsertSSOUser(this.opts.services, id, new Date(this.opts.services.clock.now() + ttlMs));
      const out: SSOCallbackResponse = { ...base, username };
      if (req.create_web_session) out.session = await this.opts.createWebSession(username, ttlMs);
      else
        out.certs = await this.opts.issue(user, {
          username,
          public_key: req.public_key ?? '',
          ttl_ms: ttlMs,
          ...(req.route_to_cluster && { route_to_cluster: req.route_to_cluster }),
          ...(req.cert_format && { cert_format: req.cert_format }),
        });
      this.audited(p.kind, req.connector_id, username, meta, undefined, id.traits);
      return out;
    } catch (err) {
      if (err instanceof SSOUserRefusedError) username = err.username;
      this.audited(p.kind, req.connector_id, username, meta, err);
      return { ...base, ...(username && { username }), error: err instanceof Error ? err.message : String(err) };
    }
  }

  private provider(kind: string): SSOProvider {
    const p = isSSOKind(kind) ? this.providers.get(kind) : undefined;
    if (!p) throw new BadParameterError(`unknown SSO connector kind "${kind}": expected github, oidc or saml`);
    return p;
  }

  /** The session TTL: asked for, else the cluster's default_session_ttl, else 12h; capped by the roles. */
  private async sessionTTL(roleNames: string[], traits: Record<string, string[]>, asked?: number): Promise<number> {
    const s = this.opts.services;
    let requested = asked;
    if (requested === undefined) {
      const preset = await s.authPreference.get('cluster-auth-preference').then(
        (c) => c.spec.default_session_ttl,
        (err: unknown) => (isCode(err, 'not_found') ? undefined : Promise.reject(err)),
      );
      requested = preset ? parseDuration(preset) : DEFAULT_USER_CERT_TTL;
    }
    const roles = (await loadRoles(s, roleNames)).map((r) => applyRoleTraits(r, { traits }));
    return Math.min(new RoleSet(roles).adjustSessionTTL(requested), MAX_CERT_TTL);
  }

  private audited(kind: SSOKind, connector: string, user: string | undefined, meta: RequestMeta, err?: unknown, attributes?: Record<string, string[]>): void {
    const fields = { user: user ?? '', method: kind, connector, ...(meta.remoteAddr && { 'addr.remote': meta.remoteAddr }) };
    if (err === undefined) this.opts.audit.emit(auditEvent('user.login', 'T1001I', { ...fields, success: true, ...(attributes && { attributes }) }));
    else this.opts.audit.emit(auditEvent('user.login', 'T1001W', { ...fields, success: false, error: err instanceof Error ? err.message : String(err) }));
  }
}

function checkCreate(body: SSOAuthRequestCreate): SSOAuthRequestCreate {
  const b = (body ?? {}) as Partial<SSOAuthRequestCreate>;
  if (typeof b.connector_id !== 'string' || b.connector_id === '') throw new BadParameterError('missing connector_id: name the connector to log in with');
  if (typeof b.client_redirect_url !== 'string') throw new BadParameterError('missing client_redirect_url');
  if (b.create_web_session) {
    if (!b.client_redirect_url.startsWith('/web') || b.client_redirect_url.startsWith('//')) throw new BadParameterError('redirect_url must be a path under /web');
    if (typeof b.csrf_token !== 'string' || b.csrf_token === '') throw new BadParameterError('missing csrf_token');
  } else {
    if (!LOOPBACK.test(b.client_redirect_url)) {
      throw new BadParameterError(`the callback ${JSON.stringify(b.client_redirect_url.slice(0, 100))} is not an http://127.0.0.1:<port>/ or http://localhost:<port>/ URL: tsh must receive the login on this machine`);
    }
    if (typeof b.public_key !== 'string' || b.public_key === '') throw new BadParameterError('missing public_key');
    try {
      createPublicKey(b.public_key);
    } catch (err) {
      throw new BadParameterError('public_key is not a PEM public key', { cause: err });
    }
  }
  if (b.ttl_ms !== undefined && !(typeof b.ttl_ms === 'number' && b.ttl_ms > 0)) throw new BadParameterError('ttl_ms must be a positive number');
  return {
    connector_id: b.connector_id,
    client_redirect_url: b.client_redirect_url,
    ...(b.public_key && { public_key: b.public_key }),
    ...(b.ttl_ms !== undefined && { ttl_ms: b.ttl_ms }),
    ...(typeof b.route_to_cluster === 'string' && b.route_to_cluster && { route_to_cluster: b.route_to_cluster }),
    ...(typeof b.cert_format === 'string' && b.cert_format && { cert_format: b.cert_format }),
    ...(b.create_web_session && { create_web_session: true, csrf_token: b.csrf_token }),
  };
}

function stringParams(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!v || typeof v !== 'object') return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}
