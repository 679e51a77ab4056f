/**
 * The proxy's single sign-on routes, Teleport's paths for each kind (`github`, `oidc`, `saml`):
 * - `POST /webapi/<kind>/login/console` (tsh): body SSOLoginConsoleReq, answers `{redirect_url}`,
 *   the IdP's login page; the request remembers tsh's callback with its `secret_key`.
 * - `GET /webapi/<kind>/login/web?connector_id=&redirect_url=` (the web UI's buttons; SAML also
 *   `GET /webapi/saml/sso`): 302 to the IdP, the login bound to the browser's CSRF cookie.
 * - `GET /webapi/github/callback`, `GET /webapi/oidc/callback`, `POST /webapi/saml/acs[/<connector>]`:
 *   the IdP's answer, completed by auth. tsh's browser goes back to tsh's callback with the login
 *   response sealed under its secret key (`response=`), or with `err=`; a web login gets its session
 *   cookie and lands on `/web/login?sso_redirect=<path>`, where the UI adopts the session.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccessDeniedError, BadParameterError, TeleportError } from '../../api/errors.js';
import { sealSecret } from '../../api/sso-secret.js';
import { isSSOKind, type SSOCallbackResponse, type SSOKind } from '../../api/sso-wire.js';
import { errorStatus, readBody, readJSONBody } from '../../httpserver/index.js';
import type { UnauthenticatedLimiter } from '../../limiter/index.js';
import type { ProxyAuth } from '../proxy-auth.js';
import { randomBytes } from 'node:crypto';
import { parseCookies, sessionCookie } from './cookies.js';
import { publicKeyOf, sshLoginResponse } from './login.js';

const MAX_BODY = 64 * 1024;
/** SAML responses carry certificates and signatures: larger than the other bodies. */
const MAX_SAML_BODY = 512 * 1024;

/** What the SSO routes need. */
export interface SSORouteDeps {
  auth: ProxyAuth;
  strangers: UnauthenticatedLimiter;
  /** `ip:port` of the client, for audit. */
  peer(req: IncomingMessage): string | undefined;
}

/** Answers the SSO routes (true), or leaves the request alone (false). */
export async function handleSSO(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, deps: SSORouteDeps): Promise<boolean> {
  const m = /^\/webapi\/(github|oidc|saml)\/(login\/console|login\/web|sso|callback|acs)(?:\/([^/]+))?$/.exec(path);
  if (!m || !isSSOKind(m[1])) return false;
  const kind: SSOKind = m[1];
  const [, , verb, extra] = m;
  const ip = req.socket.remoteAddress ?? '';
  if (req.method === 'POST' && verb === 'login/console' && !extra) {
    deps.strangers.take(ip);
    return json(res, await startConsole(deps.auth, kind, await readJSONBody(req, MAX_BODY)));
  }
  if (req.method === 'GET' && !extra && (verb === 'login/web' || (kind === 'saml' && verb === 'sso'))) {
    deps.strangers.take(ip);
    await startWeb(deps.auth, kind, req, res, query);
    return true;
  }
  const callback = (kind !== 'saml' && req.method === 'GET' && verb === 'callback' && !extra) || (kind === 'saml' && req.method === 'POST' && verb === 'acs');
  if (!callback) return false;
  deps.strangers.take(ip);
  let params: Record<string, string> = Object.fromEntries(query);
  if (kind === 'saml') params = Object.fromEntries(new URLSearchParams((await readBody(req, MAX_SAML_BODY)).toString('utf8')));
  const csrf = parseCookies(req.headers.cookie)[BINDING_COOKIE];
  let out: SSOCallbackResponse;
  try {
    const peer = deps.peer(req);
    out = await deps.auth.completeSSO(kind, { params, ...(extra && { connector_id: decodeURIComponent(extra) }), ...(csrf && { csrf_token: csrf }) }, peer ? { remoteAddr: peer } : {});
  } catch (err) {
    errorPage(res, err);
    return true;
  }
  finishCallback(res, out);
  return true;
}

/** SSOLoginConsoleReq: tsh's callback (with `secret_key`), its keys and the certificate TTL. */
async function startConsole(auth: ProxyAuth, kind: SSOKind, body: unknown): Promise<{ redirect_url: string }> {
  const b = (body ?? {}) as Record<string, unknown>;
  const redirect = typeof b.redirect_url === 'string' ? b.redirect_url : '';
  let url: URL;
  try {
    url = new URL(redirect);
  } catch (err) {
    throw new BadParameterError('redirect_url must be tsh\'s callback URL (http://127.0.0.1:<port>/...)', { cause: err });
  }
  if (!/^[0-9a-f]{64}$/i.test(url.searchParams.get('secret_key') ?? '')) throw new BadParameterError('redirect_url must carry the secret_key the response is sealed with');
  const key = publicKeyOf({
    ...(typeof b.public_key === 'string' && { pub_key: b.public_key }),
    ...(typeof b.ssh_pub_key === 'string' && { ssh_pub_key: b.ssh_pub_key }),
    ...(typeof b.tls_pub_key === 'string' && { tls_pub_key: b.tls_pub_key }),
  });
  const ttlNs = typeof b.cert_ttl === 'number' && b.cert_ttl > 0 ? b.cert_ttl : undefined;
  const created = await auth.createSSORequest(kind, {
    connector_id: typeof b.connector_id === 'string' ? b.connector_id : '',
    client_redirect_url: url.toString(),
    public_key: key.export({ type: 'spki', format: 'pem' }).toString(),
    ...(ttlNs && { ttl_ms: Math.floor(ttlNs / 1e6) }),
    ...(typeof b.route_to_cluster === 'string' && b.route_to_cluster && { route_to_cluster: b.route_to_cluster }),
    ...(typeof b.compatibility === 'string' && b.compatibility && { cert_format: b.compatibility }),
  });
  return { redirect_url: created.redirect_url };
}

/**
 * The cookie binding a web login to the browser that started it. SameSite=None: the IdP's answer
 * arrives cross-site (a SAML POST too), where the Strict CSRF cookie is not sent.
 */
const BINDING_COOKIE = '__Host-sso_binding';

/** The web UI's button: 302 to the IdP, bound to this browser's binding cookie (set now when missing). */
async function startWeb(auth: ProxyAuth, kind: SSOKind, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const have = parseCookies(req.headers.cookie)[BINDING_COOKIE];
  const csrf = have && /^[0-9a-f]{64}$/.test(have) ? { token: have, fresh: false } : { token: randomBytes(32).toString('hex'), fresh: true };
  try {
    const created = await auth.createSSORequest(kind, {
      connector_id: query.get('connector_id') ?? '',
      client_redirect_url: webPath(query.get('redirect_url')),
      create_web_session: true,
      csrf_token: csrf.token,
    });
    res.writeHead(302, { location: created.redirect_url, 'cache-control': 'no-store', ...(csrf.fresh && { 'set-cookie': `${BINDING_COOKIE}=${csrf.token}; Path=/; HttpOnly; Secure; SameSite=None` }) });
    res.end();
  } catch (err) {
    redirectToLogin(res, { sso_error: message(err) });
  }
}

/** Where a web login lands: a path under /web (a full URL is cut to its path). */
function webPath(v: string | null): string {
  if (!v) return '/web';
  let p = v;
  if (/^https?:\/\//i.test(v)) {
    const u = new URL(v);
    p = u.pathname + u.search;
  }
  return p.startsWith('/web') && !p.startsWith('//') ? p : '/web';
}

function finishCallback(res: ServerResponse, out: SSOCallbackResponse): void {
  if (out.session) {
    res.setHeader('set-cookie', sessionCookie(out.session.user, out.session.id));
    return redirectToLogin(res, { sso_redirect: out.client_redirect_url });
  }
  if (!out.certs || out.error) {
    // A web login's failure goes back to the login page; tsh's to tsh, which prints it.
    if (!out.client_redirect_url.startsWith('http')) return redirectToLogin(res, { sso_error: out.error ?? 'the login failed' });
    return redirect(res, tshCallback(out.client_redirect_url, { err: out.error ?? 'the login failed' }).url.toString());
  }
  const { url, key } = tshCallback(out.client_redirect_url, {});
  const sealed = sealSecret(key, JSON.stringify(sshLoginResponse(out.username ?? '', out.certs)));
  url.searchParams.set('response', sealed);
  redirect(res, url.toString());
}

/** tsh's callback without its secret key (which never goes back through the browser), plus `extra`. */
function tshCallback(raw: string, extra: Record<string, string>): { url: URL; key: string } {
  const url = new URL(raw);
  const key = url.searchParams.get('secret_key') ?? '';
  url.searchParams.delete('secret_key');
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  return { url, key };
}

function redirectToLogin(res: ServerResponse, q: Record<string, string>): void {
  redirect(res, `/web/login?${new URLSearchParams(q).toString()}`);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store' });
  res.end();
}

function json(res: ServerResponse, body: unknown): true {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
  return true;
}

function message(err: unknown): string {
  return err instanceof TeleportError ? err.message : 'internal error';
}

/** A callback nobody can finish (unknown or replayed state): a small page saying why. */
function errorPage(res: ServerResponse, err: unknown): void {
  const status = err instanceof AccessDeniedError ? 403 : errorStatus(err);
  const text = message(err).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html><head><title>Login failed</title></head><body><h1>Login failed</h1><p id="error">${text}</p></body></html>`);
}
