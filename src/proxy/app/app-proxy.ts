/**
 * The proxy side of application access on the web port. A request whose Host is an app's public
 * address (or that comes with a user certificate routed to an app, from tsh or curl) is an app
 * request: it is authenticated by the app session cookies (`__Host-grv_app_session` and its subject)
 * or by the certificate's app session, the session must be live, the user's, and for this app; then
 * it is relayed to the app's agent (relay.ts), which checks the roles again and forwards to the app.
 * `/x-teleport-auth` on an app host sets the cookies (auth-exchange.ts); `/.well-known/jwks.json`
 * on the proxy serves the keys apps verify `teleport-jwt-assertion` with. Refusals are clear pages:
 * no such app, not signed in (browsers are sent to the launcher), denied, app or agent down.
 */
import type { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { appErrorPage } from '../../api/app-error-page.js';
import { APP_AUTH_PATH, APP_SESSION_COOKIE, APP_SUBJECT_COOKIE, type AppSessionWire } from '../../api/app-wire.js';
import type { Clock } from '../../api/clock.js';
import { AccessDeniedError, ConnectionProblemError, NotFoundError, TeleportError, errorCode } from '../../api/errors.js';
import type { AgentServer } from '../../api/types/index.js';
import { errorStatus, requestURL } from '../../httpserver/index.js';
import type { Logger } from '../../log/index.js';
import { identityFromCertificate, verifyChain } from '../../tlsca/index.js';
import type { RoutedConnection } from '../mux/index.js';
import type { Router } from '../route/index.js';
import { parseCookies } from '../web/cookies.js';
import { handleAuthExchange, launcherURL } from './auth-exchange.js';
import { jwksDocument } from './jwks.js';
import { AgentRelay, type ClientInfo } from './relay.js';

/** What the app proxy reads of the cluster. */
export interface AppProxyAccess {
  /** The live app session `id` (read with the proxy's identity). Throws NotFoundError. */
  appSession(id: string): Promise<AppSessionWire>;
  /** The cluster's user CA certificates (PEM), for client certificates. */
  userTLSCAs(): Promise<string[]>;
  /** The `jwt` CA's public keys (PEM). */
  jwtPublicKeys(): Promise<string[]>;
  /** Apps and app sessions kept current by a watch; without it (or while it is down) they are read with short caches. */
  watched?: AppWatch;
}

/** The apps and app sessions as a watch of the cluster's events keeps them (src/service/app-proxy-access.ts). */
export interface AppWatch {
  /** True while the watch delivers events: what it holds is current, and what it lacks may be read past it. */
  live(): boolean;
  /** Bumps on every change. */
  version(): number;
  /** Every app_server heartbeat. */
  appServers(): AgentServer[];
  /** The app session `id`, when the watch holds it. */
  session(id: string): AppSessionWire | undefined;
  /** Stops watching. Safe twice. */
  close(): void;
}

/** Options of the app proxy. */
export interface AppProxyOptions {
  router: Router;
  access: AppProxyAccess;
  clusterName: string;
  /** `host:port` users reach the proxy's web UI at. */
  publicAddr(): string;
  clock: Clock;
  logger: Logger;
}

/** How long heartbeats and sessions are reused between reads while no watch keeps them (it broke, or none). */
const APPS_CACHE_MS = 1_000;
const SESSION_CACHE_MS = 2_000;
/** The least time between two reads past the cache for a host no app has. */
const FRESH_READ_MS = 250;

/** `host` of a Host header or `host:port`, lower-cased, brackets removed. */
export function hostOnly(addr: string): string {
  return addr.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/:\d+$/, '').toLowerCase();
}

/** The app proxy of one web listener. */
export class AppProxy {
  private readonly relay: AgentRelay;
  private apps?: { at: number; list: Promise<AgentServer[]> };
  private lastFresh = 0;
  private fresh?: Promise<AgentServer[]>;
  private readonly sessions = new Map<string, { at: number; s: Promise<AppSessionWire> }>();
  private watchedApps?: { version: number; list: Promise<AgentServer[]>; soonest: number };

  constructor(private readonly o: AppProxyOptions) {
    this.relay = new AgentRelay({ router: o.router, now: () => o.clock.now() });
  }

  /** Answers `req` when it is an app request or the JWKS (true); false leaves it to the web API. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const host = hostOnly(String(req.headers.host ?? ''));
    const url = requestURL(req, 'https://app');
    const proxyHost = hostOnly(this.o.publicAddr());
    if (host === proxyHost || host === '') {
      if (req.method === 'GET' && url.pathname === '/.well-known/jwks.json') {
        const body = JSON.stringify(jwksDocument(await this.o.access.jwtPublicKeys()));
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return true;
      }
      if (!this.certRoute(req)) return false;
    }
    const app = await this.appForHost(host);
    const routed = this.certRoute(req);
    if (!app && !routed) {
      // A name under the proxy's own that no app has: say so rather than serve the web UI there.
      if (!host.endsWith(`.${proxyHost}`)) return false;
      this.refuse(req, res, new NotFoundError(`no application is registered at "${host}": check the address, or "tsh app ls" for the apps you can reach`), host);
      return true;
    }
    const exchange = { proxyPublicAddr: () => this.launcherAddr(req), clusterName: this.o.clusterName, session: (id: string) => this.session(id) };
    const client = clientOf(req, this.o.clock);
    try {
      if (app && url.pathname === APP_AUTH_PATH) {
        await handleAuthExchange(exchange, req, res, url, host);
        return true;
      }
      const session = await this.authenticate(req, app);
      if (!session) {
        // A browser is sent to the launcher, which creates a session and comes back (Teleport's flow).
        if (app && req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
          res.writeHead(302, { location: launcherURL(exchange, host, { path: `${url.pathname}${url.search}` }), 'cache-control': 'no-store' });
          res.end();
          return true;
        }
        throw new AccessDeniedError(`not signed in to app "${app ? app.metadata.name : host}": launch it from the web UI, or use "tsh app login"`);
      }
      const server = app && app.metadata.name === session.app_name ? app : await this.appNamed(session.app_name);
      await this.relay.forward(req, res, session, client, server).catch((err: unknown) => {
        throw err instanceof TeleportError ? err : new ConnectionProblemError(`app "${session.app_name}" is unavailable: ${(err as Error).message}`, { cause: err });
      });
    } catch (err) {
      this.refuse(req, res, err, host);
    }
    return true;
  }

  /** Takes an Upgrade (websocket) to an app; false when it is not an app request. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<boolean> {
    const host = hostOnly(String(req.headers.host ?? ''));
    const app = host && host !== hostOnly(this.o.publicAddr()) ? await this.appForHost(host) : undefined;
    if (!app && !this.certRoute(req)) return false;
    try {
      const session = await this.authenticate(req, app);
      if (!session) throw new AccessDeniedError(`not signed in to app "${app ? app.metadata.name : host}"`);
      await this.relay.upgrade(req, socket, head, session, clientOf(req, this.o.clock));
    } catch (err) {
      const status = statusOf(err);
      const page = appErrorPage(status, messageOf(err), req.headers.accept);
      this.o.logger.info({ host, status, err: messageOf(err) }, 'app upgrade refused');
      socket.end(`HTTP/1.1 ${status} Error\r\ncontent-type: ${page.headers['content-type']}\r\ncontent-length: ${Buffer.byteLength(page.body)}\r\nconnection: close\r\n\r\n${page.body}`);
    }
    return true;
  }

  /**
   * A TCP app connection (ALPN `teleport-tcp`, `tsh proxy app` for a `tcp://` app): the client's
   * certificate must carry a live app session of its user; then the bytes are relayed to the agent,
   * which pipes them to the app. A refusal ends the connection (logged).
   */
  handleTCP(stream: Duplex, conn: RoutedConnection): void {
    stream.on('error', () => {});
    const tls = stream as TLSSocket;
    const client: ClientInfo = {
      ip: conn.remoteAddress,
      addr: conn.remoteAddress.includes(':') ? `[${conn.remoteAddress}]:${conn.remotePort}` : `${conn.remoteAddress}:${conn.remotePort}`,
      host: conn.serverName ?? '',
      proto: 'https',
    };
    (async () => {
      const peer = tls.getPeerX509Certificate?.();
      if (!peer) throw new AccessDeniedError('a TCP app needs the app certificate of "tsh app login"');
      const session = await this.certSession(peer, undefined);
      if (!session) throw new AccessDeniedError('this certificate is not routed to an app: run "tsh app login <app>"');
      const agent = await this.relay.dial({ ...session }, { ...client, host: client.host || session.public_addr });
      agent.pipe(stream);
      stream.pipe(agent);
      const end = () => {
        agent.destroy();
        stream.destroy();
      };
      agent.once('close', end);
      stream.once('close', end);
    })().catch((err: unknown) => {
      this.o.logger.info({ remote_addr: client.addr, err: messageOf(err) }, 'TCP app connection refused');
      stream.destroy();
    });
  }

  /** Closes the pooled agent streams and the watch. */
  close(): void {
    this.relay.close();
    this.o.access.watched?.close();
  }

  /**
   * `host:port` of the web UI's launcher for a request to an app host: the proxy's public host, on
   * the port the client used (app hosts are served on the proxy's web port).
   */
  private launcherAddr(req: IncomingMessage): string {
    const pub = this.o.publicAddr();
    const port = /:(\d+)$/.exec(String(req.headers.host ?? ''))?.[1] ?? /:(\d+)$/.exec(pub)?.[1];
    const host = hostOnly(pub);
    const h = host.includes(':') ? `[${host}]` : host;
    return port && port !== '443' ? `${h}:${port}` : h;
  }

  /** The app whose public address is `host`, from the heartbeats (read at most once a second). */
  async appForHost(host: string): Promise<AgentServer | undefined> {
    if (!host) return undefined;
    const now = this.o.clock.now();
    const found = (await this.appList()).find((s) => hostOnly(publicAddrOf(s)) === host);
    if (found) return found;
    // An app that just registered: a read past the cache. At most one every FRESH_READ_MS, shared by
    // every request that waits for it, so a flood of unknown names cannot force reads; a request
    // inside the window waits for the next read instead of being told the app does not exist.
    this.fresh ??= new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, this.lastFresh + FRESH_READ_MS - now)))
      .then(() => {
        this.lastFresh = this.o.clock.now();
        const list = this.o.router.servers('app', true);
        list.catch(() => (this.apps = undefined));
        this.apps = { at: this.lastFresh, list };
        return list;
      })
      .finally(() => (this.fresh = undefined));
    return (await this.fresh).find((s) => hostOnly(publicAddrOf(s)) === host);
  }

  /** The heartbeat of the app named `name` from the cached list (undefined: the relay resolves it). */
  private async appNamed(name: string): Promise<AgentServer | undefined> {
    return (await this.appList()).find((s) => s.metadata.name === name);
  }

  /** The app_server heartbeats: the watch's, else read at most once a second. */
  private appList(): Promise<AgentServer[]> {
    const now = this.o.clock.now();
    const w = this.o.access.watched;
    if (w?.live()) {
      if (this.watchedApps?.version !== w.version()) this.watchedApps = { version: w.version(), list: Promise.resolve(w.appServers()), soonest: soonestExpiry(w.appServers()) };
      // A heartbeat that expired is no longer served (its delete may lag behind).
      if (now < this.watchedApps.soonest) return this.watchedApps.list;
      return Promise.resolve(w.appServers().filter((s) => !(Date.parse(s.metadata.expires ?? '') <= now)));
    }
    if (!this.apps || now - this.apps.at > APPS_CACHE_MS) {
      const list = this.o.router.servers('app');
      list.catch(() => (this.apps = undefined));
      this.apps = { at: now, list };
    }
    return this.apps.list;
  }

  /**
   * The live session `id`: the watch's (an ended session is gone from it at once); one it lacks
   * (created a moment ago) is read from auth. Without a live watch, reads are cached for two seconds.
   * Throws NotFoundError.
   */
  private session(id: string): Promise<AppSessionWire> {
    const now = this.o.clock.now();
    const w = this.o.access.watched;
    if (w?.live()) {
      const s = w.session(id);
      if (s) return Date.parse(s.expires) > now ? Promise.resolve(s) : Promise.reject(new NotFoundError('app session expired'));
      return this.o.access.appSession(id).then((s) => {
        if (Date.parse(s.expires) <= this.o.clock.now()) throw new NotFoundError('app session expired');
        return s;
      });
    }
    for (const [k, v] of this.sessions) if (now - v.at > SESSION_CACHE_MS) this.sessions.delete(k);
    let e = this.sessions.get(id);
    if (!e) {
      const s = this.o.access.appSession(id);
      s.catch(() => this.sessions.delete(id));
      e = { at: now, s };
      this.sessions.set(id, e);
    }
    return e.s.then((s) => {
      if (Date.parse(s.expires) <= this.o.clock.now()) throw new NotFoundError('app session expired');
      return s;
    });
  }

  /** The app route of the client's certificate, when it presented one (unverified yet). */
  private certRoute(req: IncomingMessage): boolean {
    const peer = (req.socket as TLSSocket).getPeerX509Certificate?.();
    if (!peer) return false;
    try {
      return Boolean(identityFromCertificate(peer).routeToApp?.sessionId);
    } catch {
      return false;
    }
  }

  /**
   * The request's app session: from a verified client certificate routed to an app, else from the
   * two cookies. Undefined when the request carries neither; AccessDeniedError when what it carries
   * is not a live session of this user for this app.
   */
  private async authenticate(req: IncomingMessage, app: AgentServer | undefined): Promise<AppSessionWire | undefined> {
    const peer: X509Certificate | undefined = (req.socket as TLSSocket).getPeerX509Certificate?.();
    if (peer) {
      const s = await this.certSession(peer, app);
      if (s) return s;
    }
    if (!app) return undefined;
    const cookies = parseCookies(req.headers.cookie);
    const id = cookies[APP_SESSION_COOKIE];
    const subject = cookies[APP_SUBJECT_COOKIE];
    if (!id) return undefined;
    const s = await this.session(id).catch(() => undefined);
    if (!s) return undefined;
    if (subject !== s.subject_token) throw new AccessDeniedError('access denied: the app session subject does not match');
    if (s.app_name !== app.metadata.name) return undefined;
    return s;
  }

  /**
   * The live app session a client certificate is routed to, checked against the user CA; undefined
   * for a certificate without an app route. AccessDeniedError for an untrusted certificate, an ended
   * session, another user's, or one for another app than `app`.
   */
  private async certSession(peer: X509Certificate, app: AgentServer | undefined): Promise<AppSessionWire | undefined> {
    verifyChain(peer.toString(), await this.o.access.userTLSCAs(), new Date(this.o.clock.now()));
    const id = identityFromCertificate(peer);
    const route = id.routeToApp;
    if (!route?.sessionId) return undefined;
    const s = await this.session(route.sessionId).catch(() => {
      throw new AccessDeniedError('the app session of this certificate has ended: run "tsh app login" again');
    });
    if (s.user !== id.username) throw new AccessDeniedError('the app session of this certificate belongs to another user');
    if (app && s.app_name !== app.metadata.name) throw new AccessDeniedError(`this certificate is for app "${s.app_name}", not "${app.metadata.name}"`);
    return s;
  }

  private refuse(req: IncomingMessage, res: ServerResponse, err: unknown, host: string): void {
    const status = statusOf(err);
    if (status >= 500 && errorCode(err) === 'internal') this.o.logger.error({ err, host }, 'app request failed');
    else this.o.logger.info({ host, status, err: messageOf(err) }, 'app request refused');
    if (res.headersSent) return void res.destroy();
    if (!req.complete) req.resume();
    const page = appErrorPage(status, messageOf(err), req.headers.accept);
    res.writeHead(page.status, { ...page.headers, 'content-length': Buffer.byteLength(page.body) });
    res.end(page.body);
  }
}

/** The earliest expiry of the heartbeats (Infinity when none expires). */
function soonestExpiry(servers: AgentServer[]): number {
  let soonest = Infinity;
  for (const s of servers) {
    const e = Date.parse(s.metadata.expires ?? '');
    if (e < soonest) soonest = e;
  }
  return soonest;
}

/** The public address an app_server heartbeat carries. */
function publicAddrOf(s: AgentServer): string {
  const app = s.spec.app as { spec?: { public_addr?: unknown } } | undefined;
  return typeof app?.spec?.public_addr === 'string' ? app.spec.public_addr : '';
}

function clientOf(req: IncomingMessage, _clock: Clock): ClientInfo {
  const ip = req.socket.remoteAddress ?? '';
  const port = req.socket.remotePort ?? 0;
  return {
    ip,
    addr: ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`,
    host: String(req.headers.host ?? ''),
    proto: (req.socket as TLSSocket).encrypted ? 'https' : 'http',
  };
}

function statusOf(err: unknown): number {
  if (errorCode(err) === 'connection_problem') return 502;
  return errorStatus(err);
}

function messageOf(err: unknown): string {
  if (err instanceof TeleportError) return err.message;
  return `internal error: ${(err as Error)?.message ?? String(err)}`;
}
