/**
 * The auth API's MFA routes: security-key logins (password + key, passwordless), invite links
 * completed with a key, and each user's own devices (list, add, remove) and per-session challenges.
 */
import type { MFAAddDeviceRequest, MFALoginBeginRequest, MFALoginFinishRequest, MFARegisterBeginRequest, SessionMFACertsRequest, WebAuthnAssertionResponse } from '../api/mfa-wire.js';
import { AccessDeniedError } from '../api/errors.js';
import { authorize, authorizeOwnMFA, type Caller } from './caller.js';
import type { Route } from './route.js';

/** Only proxies (web_session rules) create web sessions. */
function requireProxy(caller: Caller): void {
  try {
    authorize(caller, 'web_session', 'create');
  } catch (err) {
    if (err instanceof AccessDeniedError) throw new AccessDeniedError('only proxies may create web sessions', { cause: err });
    throw err;
  }
}

/** The `/v1/mfa/...` routes (registered in routes.ts). */
export const MFA_ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/v1/usertokens/:token/webauthn',
    public: true,
    body: true,
    run: ({ auth, params, body }) => auth.webauthnRegistration(params.token, Boolean((body as { passwordless?: unknown } | undefined)?.passwordless)),
  },
  { method: 'POST', path: '/v1/mfa/login/begin', public: true, body: true, run: ({ auth, body, remoteAddr }) => auth.mfaLoginBegin(body as MFALoginBeginRequest, { remoteAddr }) },
  { method: 'POST', path: '/v1/mfa/login/finish', public: true, body: true, run: ({ auth, body, remoteAddr }) => auth.mfaLoginFinish(body as MFALoginFinishRequest, { remoteAddr }) },
  {
    method: 'POST',
    path: '/v1/websessions/mfa',
    body: true,
    run: async ({ auth, caller, body }) => {
      requireProxy(caller);
      const b = (body ?? {}) as { user?: string; webauthn_response?: WebAuthnAssertionResponse; remote_addr?: string };
      const user = await auth.authenticateWebAuthn(typeof b.user === 'string' ? b.user : undefined, b.webauthn_response as WebAuthnAssertionResponse, {
        ...(typeof b.remote_addr === 'string' && { remoteAddr: b.remote_addr }),
      });
      return auth.webSessions.createFor(user.metadata.name);
    },
  },
  { method: 'GET', path: '/v1/mfa/devices', run: async ({ auth, caller }) => ({ items: await auth.mfa.list(authorizeOwnMFA(caller)) }) },
  { method: 'POST', path: '/v1/mfa/devices/register', body: true, run: ({ auth, caller, body }) => auth.mfa.registerChallenge(authorizeOwnMFA(caller), body as MFARegisterBeginRequest) },
  { method: 'POST', path: '/v1/mfa/devices', body: true, run: ({ auth, caller, body }) => auth.mfa.addDevice(authorizeOwnMFA(caller), body as MFAAddDeviceRequest) },
  {
    method: 'DELETE',
    path: '/v1/mfa/devices/:name',
    run: async ({ auth, caller, params }) => {
      await auth.mfa.removeDevice(authorizeOwnMFA(caller), params.name);
      return {};
    },
  },
  { method: 'POST', path: '/v1/mfa/challenge', run: ({ auth, caller }) => auth.mfa.authenticateChallenge(authorizeOwnMFA(caller), 'session') },
  { method: 'GET', path: '/v1/mfa/session-required', run: ({ auth, caller }) => auth.sessionMFARequired(caller) },
  { method: 'POST', path: '/v1/certs/user/mfa', body: true, run: ({ auth, caller, body }) => auth.sessionMFACerts(caller, body as SessionMFACertsRequest) },
];
