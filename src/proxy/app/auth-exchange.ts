/**
 * The browser's cookie exchange on an app's own host (Teleport's RFD 103, `/x-teleport-auth`): the
 * web UI's launcher holds the app session, but cookies must be set by the app's host. GET without
 * `state` sets a one-minute state cookie and sends the browser back to the launcher with the state;
 * GET with `state` serves a page whose script posts the session (from the URL fragment, never sent
 * to a server) with the state back here; the POST checks the state against its cookie (double
 * submit, against CSRF), the session and its subject token, and sets the app session cookies.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { APP_AUTH_STATE_COOKIE, APP_SESSION_COOKIE, APP_SUBJECT_COOKIE, type AppSessionWire } from '../../api/app-wire.js';
import { AccessDeniedError, BadParameterError } from '../../api/errors.js';
import { readJSONObject } from '../../httpserver/index.js';
import { parseCookies } from '../web/cookies.js';

/** What the exchange needs. */
export interface AuthExchangeOptions {
  /** `host:port` of the proxy's web UI (the launcher). */
  proxyPublicAddr(): string;
  clusterName: string;
  /** The live app session `id`; throws when there is none. */
  session(id: string): Promise<AppSessionWire>;
}

const HEX = /^[0-9a-f]{64}$/;

/** `Set-Cookie` of one of the app's cookies (SameSite=None, as Teleport: identity providers redirect through apps). */
function cookie(name: string, value: string, maxAge?: number): string {
  return `${name}=${value}; Path=/; HttpOnly; Secure; SameSite=None${maxAge !== undefined ? `; Max-Age=${maxAge}` : ''}`;
}

/** The launcher URL for `fqdn`, with the state and the path the user asked for. */
export function launcherURL(o: AuthExchangeOptions, fqdn: string, params: Record<string, string>): string {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
  const qs = q.toString();
  return `https://${o.proxyPublicAddr()}/web/launch/${encodeURIComponent(fqdn)}/${encodeURIComponent(o.clusterName)}/${encodeURIComponent(fqdn)}${qs ? `?${qs}` : ''}`;
}

/** The page that completes the exchange (it reads the fragment and posts it). */
function exchangePage(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Teleport</title></head><body><script>
(function () {
  var q = new URLSearchParams(location.search);
  var h = new URLSearchParams(location.hash.slice(1));
  var path = q.get('path') || '/';
  if (path.charAt(0) !== '/' || path.charAt(1) === '/') path = '/';
  fetch('/x-teleport-auth', {
    method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ state_value: q.get('state') || '', cookie_value: h.get('value') || '', subject_cookie_value: q.get('subject') || '' })
  }).then(function (r) {
    if (!r.ok) { document.body.textContent = 'Signing in to the application failed (' + r.status + '): launch it again from the web UI.'; return; }
    location.replace(path);
  });
})();
</script></body></html>
`;
}

/** Handles `/x-teleport-auth` on an app host `fqdn`. */
export async function handleAuthExchange(o: AuthExchangeOptions, req: IncomingMessage, res: ServerResponse, url: URL, fqdn: string): Promise<void> {
  if (req.method === 'GET' && !url.searchParams.get('state')) {
    const secret = randomBytes(32).toString('hex');
    const id = randomBytes(16).toString('hex');
    res.writeHead(302, {
      location: launcherURL(o, fqdn, { state: `${secret}_${id}`, path: url.searchParams.get('path') ?? '' }),
      'set-cookie': cookie(`${APP_AUTH_STATE_COOKIE}_${id}`, secret, 60),
      'cache-control': 'no-store',
    });
    res.end();
    return;
  }
  if (req.method === 'GET') {
    const body = exchangePage();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  if (req.method !== 'POST') throw new BadParameterError(`${req.method ?? ''} is not supported on /x-teleport-auth`);
  const b = await readJSONObject(req, 4096);
  const state = typeof b.state_value === 'string' ? b.state_value : '';
  const sessionId = typeof b.cookie_value === 'string' ? b.cookie_value : '';
  const subject = typeof b.subject_cookie_value === 'string' ? b.subject_cookie_value : '';
  const [secret = '', id = ''] = state.split('_');
  const cookies = parseCookies(req.headers.cookie);
  const stored = /^[0-9a-f]{32}$/.test(id) ? cookies[`${APP_AUTH_STATE_COOKIE}_${id}`] ?? '' : '';
  if (!HEX.test(secret) || stored.length !== secret.length || !timingSafeEqual(Buffer.from(stored), Buffer.from(secret))) {
    throw new AccessDeniedError('access denied: the app sign-in state does not match; launch the app again');
  }
  const s = await o.session(sessionId).catch(() => {
    throw new AccessDeniedError('access denied: the app session does not exist or has expired');
  });
  if (!HEX.test(subject) || !timingSafeEqual(Buffer.from(subject), Buffer.from(s.subject_token))) throw new AccessDeniedError('access denied: the app session subject does not match');
  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'set-cookie': [cookie(`${APP_AUTH_STATE_COOKIE}_${id}`, '', 0), cookie(APP_SESSION_COOKIE, s.session_id), cookie(APP_SUBJECT_COOKIE, s.subject_token)],
  });
  res.end('{}');
}
