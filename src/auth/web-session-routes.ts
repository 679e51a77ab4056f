/**
 * Web sessions over the auth API, for proxies that run without an auth server in their process:
 * log a browser in (password + OTP), read a session back by its cookie's id, renew and end it, and
 * complete an invite link with a login. A session holds the user's key and certificates, so only
 * system identities that serve the web UI (Proxy) and the cluster's own admin may call these.
 */
import type { CompleteUserTokenRequest, WebSessionInviteResponse, WebSessionLoginRequest } from '../api/auth-wire.js';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import type { AuthService } from './auth-service.js';
import type { Caller } from './caller.js';
import type { Route } from './routes.js';
import type { WebSession } from './web-sessions.js';

const SESSION_ROLES = new Set(['Proxy', 'Admin', 'Auth']);

/** Throws AccessDeniedError unless the caller is a proxy (or the cluster itself). */
function requireProxy(caller: Caller): void {
  if (!caller.systemRole || !SESSION_ROLES.has(caller.systemRole)) {
    throw new AccessDeniedError('only proxies may create or read web sessions');
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
    run: ({ auth, caller, body }) => (requireProxy(caller), auth.webSessions.login(parseLogin(body))),
  },
  {
    method: 'POST',
    path: '/v1/websessions/invite',
    body: true,
    run: async ({ auth, caller, body }): Promise<WebSessionInviteResponse> => {
      requireProxy(caller);
      const done = await auth.completeUserToken(body as CompleteUserTokenRequest);
      return { user: done.user, session: await auth.webSessions.createFor(done.user) };
    },
  },
  {
    method: 'GET',
    path: '/v1/websessions/:id',
    run: ({ auth, caller, params, query }) => (requireProxy(caller), sessionOf(auth, query.get('user'), params.id)),
  },
  {
    method: 'POST',
    path: '/v1/websessions/:id/renew',
    body: true,
    run: async ({ auth, caller, params, body }) => {
      requireProxy(caller);
      return auth.webSessions.renew(await sessionOf(auth, stringField(body, 'user', true), params.id));
    },
  },
  {
    method: 'DELETE',
    path: '/v1/websessions/:id',
    run: async ({ auth, caller, params }) => {
      requireProxy(caller);
      await auth.webSessions.delete(params.id);
      return {};
    },
  },
];
