/**
 * Web sessions over the auth API, for proxies that run without an auth server in their process:
 * log a browser in (password + OTP), read a session back by its cookie's id, renew and end it, and
 * complete an invite link with a login. A session holds the user's key and certificates, so only
 * identities with `web_session` rules (the Proxy role, the cluster's own admin) may call these.
 */
import type { CompleteUserTokenRequest, WebSessionInviteResponse, WebSessionLoginRequest } from '../api/auth-wire.js';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import type { AuthService } from './auth-service.js';
import { authorize, type Caller } from './caller.js';
import type { Route } from './route.js';
import type { WebSession } from './web-sessions.js';

/**
 * Throws AccessDeniedError unless the caller may `verb` web sessions: `web_session` rules, which
 * the Proxy role and the cluster's own identities have (builtin-roles.ts) and users' roles lack.
 */
function requireProxy(caller: Caller, verb: 'create' | 'read' | 'update' | 'delete'): void {
  try {
    authorize(caller, 'web_session', verb);
  } catch (err) {
    if (err instanceof AccessDeniedError) throw new AccessDeniedError('only proxies may create or read web sessions', { cause: err });
    throw err;
  }
}

function stringField(body: unknown, name: string, required: boolean): string | undefined {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (v === undefined || v === '') {
    if (required) throw new BadParameterError(`missing ${name}`);
    return undefined;
  }
  if (typeof v !== 'string') throw new BadParameterError(`${name} must be a string`);
  return v;
}

function parseLogin(body: unknown): WebSessionLoginRequest {
  const otp = stringField(body, 'otp', false);
  return { user: stringField(body, 'user', true)!, password: stringField(body, 'password', true)!, ...(otp && { otp }) };
}

async function sessionOf(auth: AuthService, user: string | null | undefined, id: string): Promise<WebSession> {
  if (!user) throw new BadParameterError('missing user');
  return auth.webSessions.get(user, id);
}

/** The `/v1/websessions` routes (registered in routes.ts). */
export const WEB_SESSION_ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/v1/websessions',
    body: true,
    run: ({ auth, caller, body }) => (requireProxy(caller, 'create'), auth.webSessions.login(parseLogin(body))),
  },
  {
    method: 'POST',
    path: '/v1/websessions/invite',
    body: true,
    run: async ({ auth, caller, body }): Promise<WebSessionInviteResponse> => {
      requireProxy(caller, 'create');
      const done = await auth.completeUserToken(body as CompleteUserTokenRequest);
      return { user: done.user, session: await auth.webSessions.createFor(done.user) };
    },
  },
  {
    method: 'GET',
    path: '/v1/websessions/:id',
    run: ({ auth, caller, params, query }) => (requireProxy(caller, 'read'), sessionOf(auth, query.get('user'), params.id)),
  },
  {
    method: 'POST',
    path: '/v1/websessions/:id/renew',
    body: true,
    run: async ({ auth, caller, params, body }) => {
      requireProxy(caller, 'update');
      return auth.webSessions.renew(await sessionOf(auth, stringField(body, 'user', true), params.id));
    },
  },
  {
    method: 'DELETE',
    path: '/v1/websessions/:id',
    run: async ({ auth, caller, params }) => {
      requireProxy(caller, 'delete');
      await auth.webSessions.delete(params.id);
      return {};
    },
  },
];
