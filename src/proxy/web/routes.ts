/**
 * The web UI's side of the proxy's web listener: the static app, web sessions, the cluster and
 * admin endpoints, install scripts and the terminal websocket. One route table; every route says
 * whether it needs a web session (cookie + bearer token). Errors become `{error: {message}}` with
 * the status of their kind; a missing or expired session is 401 so the UI returns to its login page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../api/clock.js';
import { NotFoundError, TeleportError, errorCode } from '../../api/errors.js';
import { YAMLWorker, closeIfUnread, decodePathSegment, errorStatus, readJSONObject, sendJSON } from '../../httpserver/index.js';
import type { UnauthenticatedLimiter } from '../../limiter/index.js';
import type { Logger } from '../../log/index.js';
import type { Router } from '../route/index.js';
import { ResourceTextError, WebAdmin } from './admin.js';
import { createAppSession, getAppDetails } from './apps.js';
import { searchRecordings, streamRecording } from './audit.js';
import { NeedLoginError, WebAuth, type WebContext } from './auth.js';
import { checkSite, userContext, webCluster } from './nodes.js';
import { getNodes, getUnifiedResources } from './resources.js';
import { listActiveSessions } from './sessions-active.js';
import { addMFADevice, listMFADevices, mfaDeviceChallenge } from './mfa-devices.js';
import { installNodeScript, installScript, parseScriptLabels, sendBundle, type ScriptAddrs } from './scripts.js';
import { checkRouteRule, type RouteRule } from './route-access.js';
import { WebAssets } from './static.js';
import { WebTerminals } from './terminal.js';
import type { WebUIAuth } from './ui-auth.js';

/** Body limits: routes without a session (login, invite) read little; role YAML and the rest up to 1 MiB. */
const MAX_PUBLIC_BODY = 64 * 1024;
const MAX_BODY = 1024 * 1024;

/** Options of the web UI routes. */
export interface WebUIOptions {
  /** The auth server: in this process, or over the auth API. */
  auth: WebUIAuth;
  logger: Logger;
  clock: Clock;
  /** `host:port` users reach the proxy at. */
  publicAddr: () => string;
  /** `host:port` joining nodes reach the auth server at. */
  authPublicAddr: () => string;
  /** The built UI; default web/dist found next to the code. */
  webDir?: string;
  /** The proxy's route core, for terminals. */
  router?: Router;
  /** The rate of login and invite requests per client IP (routes marked `limited`). */
  strangers: UnauthenticatedLimiter;
}

/** What a route handler gets. */
interface RouteArgs {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** Set on routes with `auth: true`. */
  ctx: WebContext;
}

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  auth: boolean;
  body?: boolean;
  /** What the caller's roles must be able to allow, checked before the body is read. */
  rule?: RouteRule;
  /** A route without a session that checks a secret: rate limited per client IP. */
  limited?: boolean;
  /** Returns the JSON body to send, or undefined when it wrote the response itself. */
  run(a: RouteArgs): Promise<unknown>;
}

/** Compiles `/a/:b/c` into a regexp with named groups. */
function compile(path: string): RegExp {
  return new RegExp('^' + path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, '(?<$1>[^/]+)') + '$');
}

/** The web UI routes; `handle` answers the requests it knows, `handleUpgrade` the terminal sockets. */
export class WebUI {
  private readonly webAuth: WebAuth;
  private readonly assets: WebAssets;
  private readonly terminals: WebTerminals;
  private readonly routes: { route: Route; re: RegExp }[];
  /** Parses large role YAML off the event loop. */
  private readonly yaml = new YAMLWorker();

  constructor(private readonly opts: WebUIOptions) {
    this.webAuth = new WebAuth(opts.auth);
    this.assets = new WebAssets(opts.webDir);
    this.terminals = new WebTerminals({
      auth: opts.auth,
      webAuth: this.webAuth,
      clock: opts.clock,
      logger: opts.logger.child({ component: 'proxy:web-terminal' }),
      ...(opts.router && { router: opts.router }),
    });
    this.routes = this.table().map((route) => ({ route, re: compile(route.path) }));
  }

  /** Answers `req` when it is one of ours (true), else leaves it to the caller (false). */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<boolean> {
    try {
      let match: { route: Route; params: Record<string, string> } | undefined;
      let pathKnown = false;
      for (const { route, re } of this.routes) {
        const m = re.exec(path);
        if (!m) continue;
        pathKnown = true;
        if (route.method !== req.method) continue;
        match = { route, params: decodeParams(m.groups ?? {}) };
        break;
      }
      if (!match) {
        if (pathKnown) throw new NotFoundError(`${req.method ?? ''} is not supported on ${path}`);
        return await this.assets.serve(req, res, path);
      }
      const { route, params } = match;
      // Who calls, and whether they could do what the route does, is known before the body is read.
      const ctx = route.auth ? await this.webAuth.authenticate(req) : (undefined as unknown as WebContext);
      if (route.rule) checkRouteRule(ctx.caller.checker, route.rule);
      if (route.limited) this.opts.strangers.take(req.socket.remoteAddress ?? '');
      const body = route.body ? await readJSONObject(req, route.auth ? MAX_BODY : MAX_PUBLIC_BODY) : undefined;
      const out = await route.run({ req, res, params, query, body, ctx });
      if (out !== undefined) sendJSON(res, 200, out);
    } catch (err) {
      closeIfUnread(req, res);
      this.sendError(res, err);
    }
    return true;
  }

  /** Takes the terminal websocket upgrades; false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string, query: URLSearchParams): boolean {
    return this.terminals.handleUpgrade(req, socket, head, path, query);
  }

  /** Ends live terminals and the YAML worker. Safe to call twice. */
  async close(): Promise<void> {
    await this.yaml.close();
    await this.terminals.close();
  }

  private sendError(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const code = errorCode(err);
    if (code === 'internal') this.opts.logger.error({ err }, 'web UI request failed');
    const status = err instanceof NeedLoginError ? 401 : errorStatus(err);
    const message = err instanceof TeleportError ? err.message : 'internal server error';
    const extra = err instanceof ResourceTextError ? { ...(err.field && { field: err.field }), ...(err.line && { line: err.line }) } : {};
    sendJSON(res, status, { error: { message, ...extra } });
  }

  private scriptAddrs(): ScriptAddrs {
    return { proxy: this.opts.publicAddr(), auth: this.opts.authPublicAddr() };
  }

  private table(): Route[] {
    const { auth } = this.opts;
    const admin = (ctx: WebContext) => new WebAdmin(ctx.api, (text) => this.yaml.parseResources(text));
    const site = (params: Record<string, string>) => checkSite(auth, params.site);
    const text = (res: ServerResponse, body: string) => {
      res.writeHead(200, { 'content-type': 'text/x-shellscript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    };
    return [
      // Sessions.
      { method: 'POST', path: '/webapi/sessions/web', auth: false, body: true, limited: true, run: ({ req, res, body }) => this.webAuth.login(req, res, body) },
      { method: 'POST', path: '/webapi/sessions', auth: false, body: true, limited: true, run: ({ req, res, body }) => this.webAuth.login(req, res, body) },
      { method: 'DELETE', path: '/webapi/sessions/web', auth: true, run: ({ ctx, res }) => this.webAuth.logout(ctx, res) },
      { method: 'DELETE', path: '/webapi/sessions', auth: true, run: ({ ctx, res }) => this.webAuth.logout(ctx, res) },
      { method: 'POST', path: '/webapi/sessions/web/renew', auth: true, run: ({ ctx, res }) => this.webAuth.renew(ctx, res) },
      // The end of a web SSO login: the page takes over the session the callback's cookie holds (sso.ts).
      { method: 'POST', path: '/webapi/sso/session', auth: false, limited: true, run: ({ req, res }) => this.webAuth.adoptSSOSession(req, res) },
      { method: 'POST', path: '/webapi/sessions/renew', auth: true, run: ({ ctx, res }) => this.webAuth.renew(ctx, res) },
      { method: 'PUT', path: '/webapi/users/password/token', auth: false, body: true, limited: true, run: ({ req, res, body }) => this.webAuth.completeInvite(req, res, body) },
      // MFA: a security-key login's last step, and the user's own devices (mfa-devices.ts).
      { method: 'POST', path: '/webapi/mfa/login/finishsession', auth: false, body: true, limited: true, run: ({ req, res, body }) => this.webAuth.loginWebAuthn(req, res, body) },
      { method: 'GET', path: '/webapi/mfa/devices', auth: true, run: ({ ctx }) => listMFADevices(ctx.api) },
      { method: 'POST', path: '/webapi/mfa/devices/challenge', auth: true, body: true, run: ({ ctx, body }) => mfaDeviceChallenge(ctx.api, body) },
      { method: 'POST', path: '/webapi/mfa/devices', auth: true, body: true, run: ({ ctx, body }) => addMFADevice(ctx.api, body) },
      { method: 'DELETE', path: '/webapi/mfa/devices/:name', auth: true, run: async ({ ctx, params }) => (await ctx.api.removeMFADevice(params.name), { message: 'ok' }) },
      { method: 'POST', path: '/webapi/mfa/authenticatechallenge', auth: true, run: ({ ctx }) => ctx.api.mfaChallenge() },
      { method: 'POST', path: '/webapi/sites/:site/mfa/required', auth: true, run: async ({ ctx, params }) => (site(params), { required: await ctx.api.sessionMFARequired() }) },
      // The cluster.
      { method: 'GET', path: '/webapi/sites', auth: true, run: async () => [webCluster(auth, this.opts.publicAddr())] },
      {
        method: 'GET',
        path: '/webapi/sites/:site/context',
        auth: true,
        run: async ({ ctx, params }) => (site(params), userContext(auth, ctx, this.opts.publicAddr())),
      },
      { method: 'GET', path: '/webapi/sites/:site/nodes', auth: true, run: ({ ctx, params, query }) => (site(params), getNodes({ ctx, clusterName: auth.clusterName }, query)) },
      {
        method: 'GET',
        path: '/webapi/sites/:site/resources',
        auth: true,
        run: ({ ctx, params, query }) => (site(params), getUnifiedResources({ ctx, clusterName: auth.clusterName }, query)),
      },
      // The app launcher (apps.ts): where an app resolves to, and an app session for it.
      { method: 'GET', path: '/webapi/apps/:fqdn', auth: true, run: ({ ctx, params }) => getAppDetails(ctx.api, auth.clusterName, params) },
      { method: 'GET', path: '/webapi/apps/:fqdn/:cluster', auth: true, run: ({ ctx, params }) => getAppDetails(ctx.api, auth.clusterName, params) },
      { method: 'GET', path: '/webapi/apps/:fqdn/:cluster/:publicAddr', auth: true, run: ({ ctx, params }) => getAppDetails(ctx.api, auth.clusterName, params) },
      { method: 'POST', path: '/webapi/sessions/app', auth: true, body: true, run: ({ ctx, body }) => createAppSession(ctx.api, auth.clusterName, body) },
      { method: 'GET', path: '/webapi/sites/:site/sessions', auth: true, run: ({ ctx, params }) => (site(params), listActiveSessions(ctx.api)) },
      // Audit log and session recordings.
      { method: 'GET', path: '/webapi/sites/:site/events/search', auth: true, run: ({ ctx, params, query }) => (site(params), ctx.api.searchEvents(query)) },
      {
        method: 'GET',
        path: '/webapi/sites/:site/events/search/sessions',
        auth: true,
        run: ({ ctx, params, query }) => (site(params), searchRecordings(ctx.api, query)),
      },
      {
        method: 'GET',
        path: '/webapi/sites/:site/sessions/:sid/events',
        auth: true,
        run: async ({ ctx, params, res }) => (site(params), await streamRecording(ctx.api, params.sid, res, this.opts.logger)),
      },
      // Users.
      { method: 'GET', path: '/webapi/users', auth: true, run: ({ ctx }) => admin(ctx).listUsers() },
      { method: 'POST', path: '/webapi/users', auth: true, body: true, rule: { kind: 'user', verb: 'create' }, run: ({ ctx, body }) => admin(ctx).saveUser(body, 'create') },
      { method: 'PUT', path: '/webapi/users', auth: true, body: true, rule: { kind: 'user', verb: 'update' }, run: ({ ctx, body }) => admin(ctx).saveUser(body, 'update') },
      { method: 'DELETE', path: '/webapi/users/:name', auth: true, run: async ({ ctx, params }) => (await admin(ctx).deleteUser(params.name), { message: 'ok' }) },
      { method: 'POST', path: '/webapi/users/password/token', auth: true, body: true, run: ({ ctx, body }) => admin(ctx).createUserToken(body) },
      // Roles.
      { method: 'GET', path: '/webapi/roles', auth: true, run: async ({ ctx }) => ({ items: await admin(ctx).listRoles(), startKey: '' }) },
      { method: 'POST', path: '/webapi/roles', auth: true, body: true, rule: { kind: 'role', verb: 'create' }, run: ({ ctx, body }) => admin(ctx).saveRole(body) },
      { method: 'PUT', path: '/webapi/roles/:name', auth: true, body: true, rule: { kind: 'role', verb: 'update' }, run: ({ ctx, body, params }) => admin(ctx).saveRole(body, params.name) },
      { method: 'DELETE', path: '/webapi/roles/:name', auth: true, run: async ({ ctx, params }) => (await admin(ctx).deleteRole(params.name), { message: 'ok' }) },
      // Join tokens.
      { method: 'GET', path: '/webapi/tokens', auth: true, run: async ({ ctx }) => ({ items: await admin(ctx).listTokens() }) },
      {
        method: 'DELETE',
        path: '/webapi/tokens',
        auth: true,
        run: async ({ ctx, req }) => (await admin(ctx).deleteToken(headerValue(req, 'x-teleport-tokenname')), { message: 'ok' }),
      },
      { method: 'POST', path: '/webapi/token', auth: true, body: true, rule: { kind: 'token', verb: 'create' }, run: ({ ctx, body }) => admin(ctx).createJoinToken(body, this.opts.publicAddr()) },
      // Install scripts (public, as Teleport's: the token in the path is the secret).
      { method: 'GET', path: '/scripts/install.sh', auth: false, run: async ({ res }) => text(res, await installScript(this.scriptAddrs())) },
      { method: 'GET', path: '/scripts/teleport-ts.tar.gz', auth: false, run: async ({ res }) => sendBundle(res, this.opts.logger) },
      {
        method: 'GET',
        path: '/scripts/:token/install-node.sh',
        auth: false,
        run: async ({ res, params, query }) => text(res, await installNodeScript(auth, this.scriptAddrs(), params.token, parseScriptLabels(query.get('labels')))),
      },
    ];
  }
}

function decodeParams(groups: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, decodePathSegment(v)]));
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
