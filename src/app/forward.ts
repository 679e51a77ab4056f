/**
 * Forwarding one app's HTTP traffic (Teleport's lib/srv/app transport): each request the proxy sends
 * over a session's stream goes to the app's URI with the identity JWT in `teleport-jwt-assertion`
 * (any copy the client sent is dropped first; the proxy has already replaced the client's
 * X-Forwarded-* headers with its own), the configured header rewrites with the user's traits
 * applied, and hop-by-hop headers removed. Redirects to the app's own host (or a host named in
 * `rewrite.redirect`) are rewritten to its public address. Websocket upgrades are relayed as bytes.
 * An app that refuses, fails or is too slow gets a clear error page, never a hung client.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { appErrorPage } from '../api/app-error-page.js';
import { JWT_HEADER, type AppHello } from '../api/app-wire.js';
import type { AppConfig } from '../config/index.js';
import { applyTraits } from '../rbac/index.js';

/** Headers that belong to one connection, never forwarded (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** How the forwarder reaches the identity token and reports each request. */
export interface ForwardContext {
  app: AppConfig;
  hello: AppHello;
  /** The JWT for this session's user (cached by the caller). */
  token(): Promise<string>;
  /** Called once per answered request. */
  record(method: string, url: string, status: number): void;
  /** How long the app may take to send its response headers. */
  responseTimeoutMs: number;
}

/** How one app is reached: its parsed URI and keep-alive pool, worked out once per (app, URI, TLS check). */
export interface AppTarget {
  url: URL;
  port: number;
  /** The URI's path without its trailing slash ('' for `/`): prefixed to every request path. */
  basePath: string;
  /** SNI for an `https://` app named by host name. */
  servername?: string;
  agent: HttpAgent;
  request: typeof httpRequest;
}

/** Idle keep-alive connections kept per app (Node's default of 256 is per host already). */
const MAX_FREE_PER_APP = 256;

/** Keep-alive connection pools to apps, one per (app, URI, TLS check). */
export class AppTransports {
  private readonly targets = new Map<string, AppTarget>();

  /** The target of `app`. */
  targetOf(app: AppConfig): AppTarget {
    const key = `${app.name}|${app.uri}|${app.insecureSkipVerify}`;
    let t = this.targets.get(key);
    if (!t) {
      const url = new URL(app.uri);
      const secure = url.protocol === 'https:';
      t = {
        url,
        port: Number(url.port || (secure ? 443 : 80)),
        basePath: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, ''),
        ...(secure && !/^[\d.]+$|:/.test(url.hostname) && { servername: url.hostname }),
        agent: secure ? new HttpsAgent({ keepAlive: true, maxFreeSockets: MAX_FREE_PER_APP, rejectUnauthorized: !app.insecureSkipVerify }) : new HttpAgent({ keepAlive: true, maxFreeSockets: MAX_FREE_PER_APP }),
        request: secure ? (httpsRequest as typeof httpRequest) : httpRequest,
      };
      this.targets.set(key, t);
    }
    return t;
  }

  /** Closes every pooled connection. */
  close(): void {
    for (const t of this.targets.values()) t.agent.destroy();
    this.targets.clear();
  }
}

/** The headers sent to the app for `req`: hop-by-hop and forged identity headers dropped, the JWT and rewrites added. */
export function upstreamHeaders(req: { headers: IncomingHttpHeaders | OutgoingHttpHeaders }, ctx: ForwardContext, token: string, target: URL): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connection = req.headers.connection;
  const connectionTokens = connection === undefined ? undefined : new Set(String(connection).toLowerCase().split(',').map((t) => t.trim()));
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || connectionTokens?.has(name) || name === JWT_HEADER || name === 'host') continue;
    out[name] = value;
  }
  out.host = target.host;
  out[JWT_HEADER] = token;
  for (const h of ctx.app.rewrite.headers) {
    let values: string[];
    try {
      values = applyTraits(h.value, ctx.hello.traits);
    } catch {
      values = [];
    }
    if (values.length > 0) out[h.name.toLowerCase()] = values.join(',');
    else delete out[h.name.toLowerCase()];
  }
  return out;
}

/**
 * The Location to send the client: a redirect to the app's own host or to one of `rewrite.redirect`
 * is moved to the host the client used (its X-Forwarded-Host), keeping path and query.
 */
export function rewriteLocation(location: string, app: AppConfig, target: URL, clientHost: string): string {
  let u: URL;
  try {
    u = new URL(location);
  } catch {
    return location;
  }
  const hosts = new Set([target.hostname.toLowerCase(), ...app.rewrite.redirect.map((h) => h.toLowerCase())]);
  if (!hosts.has(u.hostname.toLowerCase()) || !clientHost) return location;
  return `https://${clientHost}${u.pathname}${u.search}${u.hash}`;
}

/** Answers `res` with the error page (unless the head is already out: then the connection ends). */
export function sendAppError(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const page = appErrorPage(status, message, req.headers.accept);
  res.writeHead(page.status, { ...page.headers, 'content-length': Buffer.byteLength(page.body) });
  res.end(page.body);
}

/**
 * Forwards one request to the app and its response back. `relayed` are the request's headers as the
 * proxy relays them (the in-process path, where `req` is the proxy's own request); default: `req`'s.
 */
export async function forwardRequest(req: IncomingMessage, res: ServerResponse, ctx: ForwardContext, transports: AppTransports, relayed?: OutgoingHttpHeaders): Promise<void> {
  const t = transports.targetOf(ctx.app);
  const token = await ctx.token();
  const inHeaders = relayed ?? req.headers;
  const headers = upstreamHeaders({ headers: inHeaders }, ctx, token, t.url);
  const clientHost = String(inHeaders['x-forwarded-host'] ?? ctx.hello.public_addr);
  await new Promise<void>((resolve) => {
    const up = t.request({
      host: t.url.hostname,
      port: t.port,
      method: req.method,
      path: `${t.basePath}${req.url ?? '/'}`,
      headers,
      agent: t.agent,
      ...(t.servername !== undefined && { servername: t.servername }),
    });
    up.setNoDelay(true);
    let answered = false;
    const fail = (status: number, message: string) => {
      if (answered) return;
      answered = true;
      ctx.record(req.method ?? '', req.url ?? '/', status);
      sendAppError(req, res, status, message);
      up.destroy();
      resolve();
    };
    const timer = setTimeout(() => fail(504, `app "${ctx.app.name}" did not answer within ${Math.round(ctx.responseTimeoutMs / 100) / 10} s`), ctx.responseTimeoutMs);
    up.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      fail(502, `app "${ctx.app.name}" cannot be reached at ${ctx.app.uri}: ${err.code ?? err.message}`);
    });
    up.on('response', (upRes) => {
      clearTimeout(timer);
      if (answered) return void upRes.destroy();
      answered = true;
      const status = upRes.statusCode ?? 502;
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(upRes.headers)) {
        if (value === undefined || HOP_BY_HOP.has(name)) continue;
        out[name] = name === 'location' && typeof value === 'string' ? rewriteLocation(value, ctx.app, t.url, clientHost) : value;
      }
      res.writeHead(status, out);
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
      res.on('close', () => {
        if (!upRes.complete) upRes.destroy();
      });
      upRes.on('end', () => {
        ctx.record(req.method ?? '', req.url ?? '/', status);
        resolve();
      });
      upRes.on('close', () => resolve());
    });
    req.pipe(up);
    req.on('error', () => up.destroy());
  });
}

/** Relays a websocket (or any Upgrade) request to the app as bytes, with the same header treatment. */
export async function forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: ForwardContext): Promise<void> {
  const target = new URL(ctx.app.uri);
  const token = await ctx.token();
  const headers = upstreamHeaders(req, ctx, token, target);
  // An upgrade needs its Connection and Upgrade headers.
  headers.connection = 'Upgrade';
  if (req.headers.upgrade) headers.upgrade = req.headers.upgrade;
  const secure = target.protocol === 'https:';
  const port = Number(target.port || (secure ? 443 : 80));
  const up: Duplex = secure
    ? tlsConnect({ host: target.hostname, port, rejectUnauthorized: !ctx.app.insecureSkipVerify, ...(!/^[\d.]+$|:/.test(target.hostname) && { servername: target.hostname }) })
    : netConnect({ host: target.hostname, port });
  const basePath = target.pathname === '/' ? '' : target.pathname.replace(/\/$/, '');
  const lines = [`${req.method ?? 'GET'} ${basePath}${req.url ?? '/'} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) lines.push(`${name}: ${String(v)}`);
  }
  await new Promise<void>((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => {
      ctx.record(req.method ?? 'GET', req.url ?? '/', 502);
      const page = appErrorPage(502, `app "${ctx.app.name}" cannot be reached at ${ctx.app.uri}: ${err.code ?? err.message}`, req.headers.accept);
      socket.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: ${page.headers['content-type']}\r\ncontent-length: ${Buffer.byteLength(page.body)}\r\nconnection: close\r\n\r\n${page.body}`);
      resolve();
    };
    up.once('error', onError);
    up.once(secure ? 'secureConnect' : 'connect', () => {
      up.off('error', onError);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) up.write(head);
      ctx.record(req.method ?? 'GET', req.url ?? '/', 101);
      up.pipe(socket);
      socket.pipe(up);
      const end = () => {
        up.destroy();
        socket.destroy();
        resolve();
      };
      up.once('close', end);
      socket.once('close', end);
      up.on('error', end);
      socket.on('error', end);
    });
  });
}
