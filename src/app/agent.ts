/**
 * The application service's core (Teleport's lib/srv/app Server): heartbeats one `app_server` per
 * app it proxies, and serves the streams the proxy opens to them: the hello (who, which app, which
 * session), the user's access checked again here by the roles' `app_labels` (deny wins), then for
 * an HTTP app an HTTP/1.1 server on the stream forwarding to the app (forward.ts), for a TCP app
 * (`tcp://`) the bytes piped to it. Every session is audited (app-audit.ts).
 */
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../api/clock.js';
import type { AppHello, AppTokenRequest } from '../api/app-wire.js';
import { appErrorPage } from '../api/app-error-page.js';
import { AccessDeniedError, NotFoundError, TeleportError } from '../api/errors.js';
import type { AgentServer, Role } from '../api/types/index.js';
import { VERSION } from '../api/version.js';
import type { AppConfig } from '../config/index.js';
import type { AuditEmitter } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { checkAppAccess } from '../rbac/app-access.js';
import { applyRoleTraits } from '../rbac/index.js';
import { AppAudit } from './app-audit.js';
import { AppTransports, forwardRequest, forwardUpgrade, sendAppError, type ForwardContext } from './forward.js';
import { readAppHello } from './hello.js';

/** Default time an app has to send its response headers. */
const RESPONSE_TIMEOUT_MS = 30_000;
/** A JWT is asked for again this long before it expires. */
const TOKEN_RENEW_MS = 60_000;
/** How long a JWT lives at most (auth caps it too). */
const TOKEN_TTL_MS = 30 * 60_000;
/** Largest request head (line and headers) an app request may have. */
const MAX_HEADER_BYTES = 64 * 1024;
/** How long a session's access check stands before the roles are read and checked again. */
const ACCESS_RECHECK_MS = 10_000;

/** What the agent needs from the cluster (the auth API, narrowed). */
export interface AppAccessPoint {
  /** The roles named, those that exist. */
  roles(names: string[]): Promise<Role[]>;
  /** A JWT signed by the cluster's `jwt` CA. */
  appToken(req: AppTokenRequest): Promise<string>;
}

/** Options of the agent. */
export interface AppAgentOptions {
  apps: AppConfig[];
  access: AppAccessPoint;
  audit: AuditEmitter;
  hostId: string;
  hostname: string;
  /** The proxy's public host, for apps without public_addr (`<name>.<host>`). */
  proxyPublicHost: () => string | undefined;
  clock: Clock;
  logger: Logger;
  responseTimeoutMs?: number;
  /** Audit batching (tests shorten them). */
  chunkMs?: number;
  endGraceMs?: number;
}

/** The stream's session, on the HTTP server's connection. */
interface StreamState {
  hello: AppHello;
  app: AppConfig;
  ctx?: ForwardContext;
}

/** The application service of one host. */
export class AppAgent {
  private dynamic: AppConfig[] = [];
  private readonly audit: AppAudit;
  private readonly transports = new AppTransports();
  private readonly http: Server;
  private readonly tokens = new Map<string, { at: number; expires: number; token: Promise<string> }>();
  private readonly state = new WeakMap<object, StreamState>();
  private readonly checked = new Map<string, { until: number; app: Promise<AppConfig> }>();

  constructor(private readonly o: AppAgentOptions) {
    this.audit = new AppAudit({ emitter: o.audit, serverId: o.hostId, hostname: o.hostname, logger: o.logger, chunkMs: o.chunkMs, endGraceMs: o.endGraceMs });
    this.http = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => void this.onRequest(req, res));
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onUpgrade(req, socket, head));
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const page = appErrorPage(status, status === 431 ? 'request headers too large' : 'malformed HTTP request', undefined);
      if ((socket as { writable?: boolean }).writable) socket.end(`HTTP/1.1 ${status} Error\r\ncontent-type: ${page.headers['content-type']}\r\ncontent-length: ${Buffer.byteLength(page.body)}\r\nconnection: close\r\n\r\n${page.body}`);
      else socket.destroy();
    });
  }

  /** The apps served: the static ones, then the dynamic ones whose names no static one takes. */
  apps(): AppConfig[] {
    const taken = new Set(this.o.apps.map((a) => a.name));
    return [...this.o.apps, ...this.dynamic.filter((a) => !taken.has(a.name))];
  }

  /** Replaces the dynamic apps; returns the names no longer served. */
  setDynamic(apps: AppConfig[]): string[] {
    const kept = new Set(apps.map((a) => a.name));
    const gone = this.dynamic.filter((a) => !kept.has(a.name)).map((a) => a.name);
    this.dynamic = apps;
    return gone;
  }

  /** The public address of `app`: its own, else `<name>.<proxy public host>`. */
  publicAddr(app: AppConfig): string {
    if (app.publicAddr) return app.publicAddr;
    const host = this.o.proxyPublicHost();
    return host ? `${app.name}.${host}` : '';
  }

  /** The app_server heartbeats of this agent. */
  servers(useTunnel: boolean): AgentServer[] {
    return this.apps().map((a) => ({
      kind: 'app_server',
      version: 'v3',
      metadata: { name: a.name },
      spec: {
        host_id: this.o.hostId,
        hostname: this.o.hostname,
        version: VERSION,
        ...(useTunnel && { use_tunnel: true }),
        app: {
          kind: 'app',
          version: 'v3',
          metadata: { name: a.name, ...(a.description && { description: a.description }), labels: a.labels },
          spec: { uri: a.uri, public_addr: this.publicAddr(a), ...(a.insecureSkipVerify && { insecure_skip_verify: true }) },
        },
      },
    }));
  }

  /** Serves one stream the proxy opened. Failures before the app is reached end it with an error page. */
  serve(stream: Duplex): void {
    stream.on('error', () => {});
    this.run(stream).catch((err: unknown) => {
      this.o.logger.info({ err: (err as Error).message }, 'app connection refused');
      const status = err instanceof AccessDeniedError ? 403 : err instanceof NotFoundError ? 404 : 502;
      const page = appErrorPage(status, err instanceof TeleportError ? err.message : 'internal error', undefined);
      if (stream.writable) stream.end(`HTTP/1.1 ${status} Error\r\ncontent-type: ${page.headers['content-type']}\r\ncontent-length: ${Buffer.byteLength(page.body)}\r\nconnection: close\r\n\r\n${page.body}`);
      else stream.destroy();
    });
  }

  /** Ends the sessions' audit and the pooled connections. */
  close(): void {
    this.audit.closeAll();
    this.transports.close();
    this.http.close();
  }

  /**
   * One HTTP request of an in-process proxy (LocalRequestHandler): the same checks and forwarding as
   * a request on a stream, without the stream. Answers refusals and failures as error pages.
   */
  async handleLocal(req: IncomingMessage, res: ServerResponse, headers: OutgoingHttpHeaders, hello: AppHello): Promise<void> {
    let app: AppConfig;
    try {
      app = await this.authorize(hello);
    } catch (err) {
      this.o.logger.info({ err: (err as Error).message }, 'app request refused');
      const status = err instanceof AccessDeniedError ? 403 : err instanceof NotFoundError ? 404 : 502;
      return sendAppError(req, res, status, err instanceof TeleportError ? err.message : 'internal error');
    }
    if (new URL(app.uri).protocol === 'tcp:') return sendAppError(req, res, 400, `app "${app.name}" is a TCP app: reach it with "tsh proxy app ${app.name}"`);
    await this.forward(req, res, this.contextOf(hello, app), headers);
  }

  /**
   * The app `hello` names, once the user's roles (read from auth, with the session's traits) reach
   * it. The answer stands for ACCESS_RECHECK_MS per session (requests of one session do not each
   * read the roles); the session's expiry is checked every time. Throws NotFoundError,
   * AccessDeniedError.
   */
  private async authorize(hello: AppHello): Promise<AppConfig> {
    const now = this.o.clock.now();
    if (Date.parse(hello.expires) <= now) throw new AccessDeniedError('the app session has expired; launch the app again');
    const key = `${hello.session_id}|${hello.app}`;
    let c = this.checked.get(key);
    if (!c || c.until <= now) {
      for (const [k, v] of this.checked) if (v.until <= now) this.checked.delete(k);
      const app = this.check(hello);
      app.catch(() => this.checked.delete(key));
      c = { until: now + ACCESS_RECHECK_MS, app };
      this.checked.set(key, c);
    }
    const app = await c.app;
    // An app removed since the check is not served.
    if (!this.apps().includes(app)) {
      this.checked.delete(key);
      return this.check(hello);
    }
    return app;
  }

  private async check(hello: AppHello): Promise<AppConfig> {
    const app = this.apps().find((a) => a.name === hello.app);
    if (!app) throw new NotFoundError(`app "${hello.app}" is not served by this agent`);
    const roles = (await this.o.access.roles(hello.roles)).map((r) => applyRoleTraits(r, { traits: hello.traits }));
    checkAppAccess(roles, app.name, app.labels);
    return app;
  }

  private async run(stream: Duplex): Promise<void> {
    const hello = await readAppHello(stream);
    const app = await this.authorize(hello);
    const uri = new URL(app.uri);
    if (uri.protocol === 'tcp:') {
      this.audit.begin(hello, this.audited(app));
      stream.once('close', () => this.audit.finish(hello.session_id));
      return this.pipeTCP(stream, app, uri, hello);
    }
    this.state.set(stream, { hello, app });
    stream.resume();
    this.http.emit('connection', stream);
  }

  private pipeTCP(stream: Duplex, app: AppConfig, uri: URL, hello: AppHello): void {
    const up = netConnect({ host: uri.hostname, port: Number(uri.port) });
    const end = () => {
      up.destroy();
      stream.destroy();
    };
    up.once('connect', () => {
      up.pipe(stream);
      stream.pipe(up);
      stream.resume();
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      this.o.logger.info({ app: app.name, sid: hello.session_id, err: err.code ?? err.message }, 'TCP app unreachable');
      end();
    });
    up.once('close', end);
    stream.once('close', end);
  }

  private audited(app: AppConfig): { name: string; uri: string; publicAddr: string } {
    return { name: app.name, uri: app.uri, publicAddr: this.publicAddr(app) };
  }

  private ctxOf(req: IncomingMessage): ForwardContext | undefined {
    const st = this.state.get(req.socket);
    if (!st) return undefined;
    st.ctx ??= this.contextOf(st.hello, st.app);
    return st.ctx;
  }

  private contextOf(hello: AppHello, app: AppConfig): ForwardContext {
    return {
      app,
      hello,
      token: () => this.token(hello, app),
      record: (method, url, status) => {
        const q = url.indexOf('?');
        this.audit.request(hello.session_id, {
          method,
          path: q < 0 ? url : url.slice(0, q),
          raw_query: q < 0 ? '' : url.slice(q + 1),
          status_code: status,
          time: new Date(this.o.clock.now()).toISOString(),
        });
      },
      responseTimeoutMs: this.o.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS,
    };
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ctx = this.ctxOf(req);
    if (!ctx) return Promise.resolve(sendAppError(req, res, 502, 'no app session on this connection'));
    return this.forward(req, res, ctx);
  }

  private async forward(req: IncomingMessage, res: ServerResponse, ctx: ForwardContext, relayed?: OutgoingHttpHeaders): Promise<void> {
    this.audit.begin(ctx.hello, this.audited(ctx.app));
    try {
      await forwardRequest(req, res, ctx, this.transports, relayed);
    } catch (err) {
      this.o.logger.warn({ app: ctx.app.name, err: (err as Error).message }, 'app request failed');
      sendAppError(req, res, 502, err instanceof TeleportError ? err.message : `app "${ctx.app.name}" request failed`);
    } finally {
      this.audit.finish(ctx.hello.session_id);
    }
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const ctx = this.ctxOf(req);
    if (!ctx) return void socket.destroy();
    this.audit.begin(ctx.hello, this.audited(ctx.app));
    try {
      await forwardUpgrade(req, socket, head, ctx);
    } catch (err) {
      this.o.logger.warn({ app: ctx.app.name, err: (err as Error).message }, 'app upgrade failed');
      socket.destroy();
    } finally {
      this.audit.finish(ctx.hello.session_id);
    }
  }

  /** The session's JWT, from auth, cached until shortly before it expires. */
  private token(hello: AppHello, app: AppConfig): Promise<string> {
    const now = this.o.clock.now();
    const key = `${hello.session_id}|${app.name}`;
    const have = this.tokens.get(key);
    if (have && have.expires - TOKEN_RENEW_MS > now) return have.token;
    const expires = Math.min(Date.parse(hello.expires), now + TOKEN_TTL_MS);
    const token = this.o.access.appToken({ username: hello.user, roles: hello.roles, traits: hello.traits, uri: app.uri, expires: new Date(expires).toISOString() });
    this.tokens.set(key, { at: now, expires, token });
    token.catch(() => this.tokens.delete(key));
    // Old sessions' tokens go with their expiry.
    for (const [k, v] of this.tokens) if (v.expires <= now) this.tokens.delete(k);
    return token;
  }
}
