/**
 * The `/v1/appsessions` and `/v1/apptokens` routes (registered in routes.ts): users create and end
 * their own application sessions, proxies read them to authenticate browser requests, and
 * application agents have the cluster's `jwt` CA sign the identity token apps receive. Each call is
 * authorized in app-sessions.ts through caller.ts `authorize`.
 */
import type { AppTokenRequest, CreateAppSessionRequest } from '../api/app-wire.js';
import type { Route } from './route.js';

/** The app session routes. */
export const APP_SESSION_ROUTES: Route[] = [
  { method: 'POST', path: '/v1/appsessions', body: true, run: ({ auth, caller, body }) => auth.appSessions.create(caller, (body ?? {}) as CreateAppSessionRequest) },
  { method: 'GET', path: '/v1/appsessions', run: ({ auth, caller }) => auth.appSessions.list(caller) },
  { method: 'GET', path: '/v1/appsessions/:id', run: ({ auth, caller, params }) => auth.appSessions.get(caller, params.id) },
  {
    method: 'DELETE',
    path: '/v1/appsessions/:id',
    run: async ({ auth, caller, params }) => {
      await auth.appSessions.delete(caller, params.id);
      return {};
    },
  },
  { method: 'POST', path: '/v1/apptokens', body: true, run: ({ auth, caller, body }) => auth.appSessions.signToken(caller, body as AppTokenRequest) },
];
