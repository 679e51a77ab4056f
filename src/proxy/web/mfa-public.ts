/**
 * The proxy's MFA routes that need no web session, for tsh and for the login page:
 * `POST /webapi/mfa/login/begin` (`{user, pass}` or `{passwordless: true}` → `{totp_challenge,
 * webauthn_challenge}`), `POST /webapi/mfa/login/finish` (a security key assertion and the keys to
 * certify → Teleport's SSHLoginResponse), and the browser relay tsh uses where no FIDO2 library is
 * at hand (mfa-browser.ts). Rate limited per client IP like the password login.
 */
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadParameterError } from '../../api/errors.js';
import type { WebAuthnAssertionResponse } from '../../api/mfa-wire.js';
import { readJSONBody, sendJSON } from '../../httpserver/index.js';
import type { UnauthenticatedLimiter } from '../../limiter/index.js';
import type { ProxyAuth } from '../proxy-auth.js';
import { publicKeyOf, sshLoginResponse } from './login.js';
import { MFABrowserRelay } from './mfa-browser.js';

const MAX_BODY = 64 * 1024;

/** `POST /webapi/mfa/login/finish`: CreateSSHCertReq's keys and options with the assertion. */
type FinishBody = Record<string, unknown> & {
  user?: string;
  pub_key?: string;
  ssh_pub_key?: string;
  tls_pub_key?: string;
  ttl?: number;
  compatibility?: string;
  route_to_cluster?: string;
};

/** The assertion in a finish request, under Teleport's names or ours. */
export function assertionOf(body: Record<string, unknown>): WebAuthnAssertionResponse {
  const r = body.webauthnAssertionResponse ?? body.webauthn_challenge_response ?? body.webauthn_response;
  if (!r || typeof r !== 'object') throw new BadParameterError('missing webauthnAssertionResponse: the security key answer');
  return r as WebAuthnAssertionResponse;
}

/** Options of the public MFA routes. */
export interface PublicMFAOptions {
  auth: ProxyAuth;
  strangers: UnauthenticatedLimiter;
  peer: (req: IncomingMessage) => string | undefined;
}

/** The public MFA routes and the browser relay's state. */
export class PublicMFA {
  private readonly relay = new MFABrowserRelay();

  constructor(private readonly opts: PublicMFAOptions) {}

  /** Answers the request when it is one of these routes (true). */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<boolean> {
    if (!path.startsWith('/webapi/mfa/')) return false;
    const { auth } = this.opts;
    const remoteAddr = this.opts.peer(req);
    const meta = remoteAddr ? { remoteAddr } : {};
    if (req.method === 'POST' && path === '/webapi/mfa/login/begin') {
      this.opts.strangers.take(req.socket.remoteAddress ?? '');
      const b = ((await readJSONBody(req, MAX_BODY)) ?? {}) as { user?: unknown; pass?: unknown; passwordless?: unknown };
      if (b.passwordless === true) return (sendJSON(res, 200, await auth.mfaLoginBegin({ passwordless: true }, meta)), true);
      if (typeof b.user !== 'string' || b.user === '') throw new BadParameterError('missing username');
      if (typeof b.pass !== 'string' || b.pass === '') throw new BadParameterError('missing password');
      sendJSON(res, 200, await auth.mfaLoginBegin({ user: b.user, password: b.pass }, meta));
      return true;
    }
    if (req.method === 'POST' && path === '/webapi/mfa/login/finish') {
      this.opts.strangers.take(req.socket.remoteAddress ?? '');
      const b = ((await readJSONBody(req, MAX_BODY)) ?? {}) as FinishBody;
      const key = publicKeyOf(b);
      const user = typeof b.user === 'string' && b.user !== '' ? b.user : undefined;
      const out = await auth.mfaLoginFinish(
        {
          ...(user && { user }),
          webauthn_response: assertionOf(b),
          public_key: key.export({ type: 'spki', format: 'pem' }).toString(),
          ...(typeof b.ttl === 'number' && b.ttl > 0 && { ttl_ms: Math.floor(b.ttl / 1e6) }),
          ...(b.compatibility && { cert_format: b.compatibility }),
          ...(b.route_to_cluster && { route_to_cluster: b.route_to_cluster }),
        },
        meta,
      );
      sendJSON(res, 200, sshLoginResponse(user ?? certUser(out.tls), out));
      return true;
    }
    return this.relay.handle(req, res, path, query, () => this.opts.strangers.take(req.socket.remoteAddress ?? ''));
  }
}

/** The user a TLS certificate was issued to (its subject CN), for passwordless logins where tsh named none. */
function certUser(pem: string): string {
  return /^CN=(.+)$/m.exec(new X509Certificate(pem).subject)?.[1] ?? '';
}
