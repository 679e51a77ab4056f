/** The auth API's route table: method, path, who may call, and the AuthService call behind it. */
import type { CompleteUserTokenRequest, CreateUserTokenRequest, DatabaseCertRequest, GenerateTokenRequest, SSHLoginRequest, HostCertsRequest, RegisterRequest, UserCertsRequest } from '../api/auth-wire.js';
import { APP_SESSION_ROUTES } from './app-session-routes.js';
import { emitHostEvents, searchEvents } from './audit-api.js';
import { MFA_ROUTES } from './mfa-routes.js';
import { RECORDING_ROUTES } from './recording-routes.js';
import type { Route } from './route.js';
import type { AcquireSemaphoreRequest, SemaphoreLease } from './semaphores.js';
import { WATCH_ROUTES } from './watch-routes.js';
import { WEB_SESSION_ROUTES } from './web-session-routes.js';
import { SSO_ROUTES } from './sso/routes.js';

const flag = (q: URLSearchParams, name: string): boolean => ['1', 'true', 'yes'].includes(q.get(name) ?? '');

/** Every route of the auth API, version 1. */
export const ROUTES: Route[] = [
  { method: 'GET', path: '/v1/ping', public: true, run: ({ auth }) => auth.ping() },
  { method: 'POST', path: '/v1/register', public: true, body: true, run: ({ auth, body, remoteAddr }) => auth.register(body as RegisterRequest, { remoteAddr }) },
  { method: 'GET', path: '/v1/usertokens/:token', public: true, run: ({ auth, params }) => auth.userTokenInfo(params.token) },
  { method: 'POST', path: '/v1/usertokens/:token/totp', public: true, run: ({ auth, params }) => auth.totpRegistration(params.token) },
  {
    method: 'POST',
    path: '/v1/usertokens/:token/complete',
    public: true,
    body: true,
    run: ({ auth, params, body }) => auth.completeUserToken({ ...(body as CompleteUserTokenRequest), token: params.token }),
  },
  {
    method: 'POST',
    path: '/v1/login/ssh',
    public: true,
    body: true,
    run: ({ auth, body, remoteAddr }) => auth.loginSSH(body as SSHLoginRequest, { remoteAddr }),
  },
  {
    method: 'GET',
    path: '/v1/whoami',
    run: async ({ caller }) => ({ username: caller.username, roles: caller.roles, system_role: caller.systemRole ?? '', traits: caller.traits }),
  },
  { method: 'GET', path: '/v1/status', run: ({ auth, caller }) => auth.status(caller) },
  {
    method: 'GET',
    path: '/v1/resources/:kind',
    run: async ({ auth, caller, params, query }) => ({
      items: await auth.resources.list(caller, params.kind, { withSecrets: flag(query, 'with_secrets') }),
    }),
  },
  {
    method: 'GET',
    path: '/v1/resources/:kind/:name*',
    run: ({ auth, caller, params, query }) => auth.resources.get(caller, params.kind, params.name, { withSecrets: flag(query, 'with_secrets') }),
  },
  {
    method: 'POST',
    path: '/v1/resources',
    body: true,
    status: 201,
    run: ({ auth, caller, body, query }) => auth.resources.create(caller, body, flag(query, 'force')),
  },
  {
    method: 'DELETE',
    path: '/v1/resources/:kind/:name*',
    run: async ({ auth, caller, params }) => {
      await auth.resources.delete(caller, params.kind, params.name);
      return {};
    },
  },
  { method: 'GET', path: '/v1/tokens', run: async ({ auth, caller }) => ({ items: await auth.listTokens(caller) }) },
  { method: 'POST', path: '/v1/tokens', body: true, status: 201, run: ({ auth, caller, body }) => auth.generateToken(caller, body as GenerateTokenRequest) },
  {
    method: 'DELETE',
    path: '/v1/tokens/:token',
    run: async ({ auth, caller, params }) => {
      await auth.deleteToken(caller, params.token);
      return {};
    },
  },
  // `?host=` narrows the list to the nodes that name may mean (tsh resolving one host).
  { method: 'GET', path: '/v1/nodes', run: async ({ auth, caller, query }) => ({ items: await auth.listNodes(caller, query.get('host') ?? undefined) }) },
  {
    method: 'PUT',
    path: '/v1/nodes/heartbeat',
    body: true,
    // The stored node, and the window the node spreads its return over when its connection breaks.
    run: async ({ auth, caller, body }) => {
      const b = body as { node?: unknown; ttl_ms?: unknown };
      const node = await auth.upsertNode(caller, b?.node, typeof b?.ttl_ms === 'number' ? b.ttl_ms : undefined);
      return { ...node, reconnect_window_ms: auth.reconnectWindowMs() };
    },
  },
  { method: 'GET', path: '/v1/servers/:kind', run: async ({ auth, caller, params }) => ({ items: await auth.listAgentServers(caller, params.kind) }) },
  {
    method: 'PUT',
    path: '/v1/servers/:kind/heartbeat',
    body: true,
    run: ({ auth, caller, params, body }) => {
      const b = body as { server?: unknown; ttl_ms?: unknown };
      return auth.upsertAgentServer(caller, params.kind, b?.server, typeof b?.ttl_ms === 'number' ? b.ttl_ms : undefined);
    },
  },
  {
    method: 'PUT',
    path: '/v1/proxies/heartbeat',
    body: true,
    run: ({ auth, caller, body }) => {
      const b = body as { proxy?: unknown; ttl_ms?: unknown };
      return auth.proxies.heartbeat(caller, b?.proxy, typeof b?.ttl_ms === 'number' ? b.ttl_ms : undefined);
    },
  },
  { method: 'GET', path: '/v1/proxies', run: async ({ auth, caller }) => ({ items: await auth.proxies.list(caller) }) },
  {
    method: 'DELETE',
    path: '/v1/proxies/:name',
    run: async ({ auth, caller, params }) => {
      await auth.proxies.remove(caller, params.name);
      return {};
    },
  },
  { method: 'GET', path: '/v1/sessions/trackers', run: async ({ auth, caller }) => ({ items: await auth.sessionTrackers.list(caller) }) },
  {
    method: 'PUT',
    path: '/v1/sessions/trackers',
    body: true,
    run: ({ auth, caller, body }) => {
      const b = body as { tracker?: unknown; ttl_ms?: unknown };
      return auth.sessionTrackers.upsert(caller, b?.tracker, typeof b?.ttl_ms === 'number' ? b.ttl_ms : undefined);
    },
  },
  {
    method: 'DELETE',
    path: '/v1/sessions/trackers/:id',
    run: async ({ auth, caller, params }) => {
      await auth.sessionTrackers.remove(caller, params.id);
      return {};
    },
  },
  // Leases for max_connections (semaphores.ts).
  { method: 'POST', path: '/v1/semaphores/acquire', body: true, run: ({ auth, caller, body }) => auth.semaphores.acquire(caller, body as AcquireSemaphoreRequest) },
  { method: 'POST', path: '/v1/semaphores/renew', body: true, run: ({ auth, caller, body }) => auth.semaphores.renew(caller, body as SemaphoreLease & { expires_ms: number }) },
  {
    method: 'POST',
    path: '/v1/semaphores/cancel',
    body: true,
    run: async ({ auth, caller, body }) => {
      await auth.semaphores.cancel(caller, body as SemaphoreLease);
      return {};
    },
  },
  { method: 'POST', path: '/v1/certs/user', body: true, run: ({ auth, caller, body }) => auth.generateUserCerts(caller, body as UserCertsRequest) },
  { method: 'POST', path: '/v1/certs/db', body: true, run: ({ auth, caller, body }) => auth.generateDatabaseCert(caller, body as DatabaseCertRequest) },
  { method: 'POST', path: '/v1/certs/host', body: true, run: ({ auth, caller, body }) => auth.generateHostCerts(caller, body as HostCertsRequest) },
  {
    method: 'POST',
    path: '/v1/users/:name/token',
    body: true,
    status: 201,
    run: ({ auth, caller, params, body }) => auth.createUserToken(caller, params.name, body as CreateUserTokenRequest),
  },
  { method: 'POST', path: '/v1/events', body: true, run: ({ auth, caller, body }) => emitHostEvents(auth, caller, body) },
  { method: 'GET', path: '/v1/events/search', run: ({ auth, caller, query }) => searchEvents(auth, caller, query) },
  ...RECORDING_ROUTES,
  ...WATCH_ROUTES,
  ...WEB_SESSION_ROUTES,
  ...MFA_ROUTES,
  ...SSO_ROUTES,
  ...APP_SESSION_ROUTES,
];
