/**
 * The auth API on `auth_service.listen_addr` (3025): HTTPS with mutual TLS. The caller's identity is
 * the verified client certificate (host CA: a system role; user CA: a user). `ping` and `register`
 * work without a client certificate, so that hosts can join. JSON in and out; errors as
 * `{ error: { code, message } }` with the status from errors.ts.
 */
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { AccessDeniedError, NotFoundError, TeleportError, errorCode, isCode } from '../api/errors.js';
import { StreamBody, TLS_SERVER_OPTIONS, type TLSServerOptions, closeIfUnread, closeServer, decodePathSegment, errorStatus, listen, readBody, readJSONObject, requestURL, sendJSON, sendStream } from '../httpserver/index.js';
import { UnauthenticatedLimiter } from '../limiter/index.js';
import type { Logger } from '../log/index.js';
import type { Services } from '../services/index.js';
import { identityFromCertificate } from '../tlsca/index.js';
import { caTLSCerts } from './authorities.js';
import type { AuthService } from './auth-service.js';
import type { Caller } from './caller.js';
import { callerFromIdentity } from './caller.js';
import { precheckRoute } from './route-precheck.js';
import type { Route } from './route.js';
import { ROUTES } from './routes.js';

/** Body limits: routes that take no client certificate read little; cluster members send resources and event batches. */
const MAX_PUBLIC_BODY = 64 * 1024;
const MAX_BODY = 4 * 1024 * 1024;

/** Options of the API server. */
export interface AuthAPIServerOptions {
  auth: AuthService;
  services: Services;
  host: string;
  port: number;
  /** The auth server's own host certificate and key (PEM), signed by the host CA. */
  certPem: string;
  keyPem: string;
  logger: Logger;
  /** TLS versions and suites (`teleport.ciphersuites`); TLS_SERVER_OPTIONS when absent. */
  tlsOptions?: TLSServerOptions;
  /** The rate of requests without a cluster certificate to login, token and register routes; default Teleport's 20/min, burst 40 per IP. */
  unauthenticatedLimiter?: UnauthenticatedLimiter;
}

/** The listener. start() returns the bound address; close() is safe to call twice. */
export class AuthAPIServer {
  private server?: Server;
  private hostCAs: X509Certificate[] = [];
  private userCAs: X509Certificate[] = [];
  private readonly strangers: UnauthenticatedLimiter;

  constructor(private readonly opts: AuthAPIServerOptions) {
    this.strangers = opts.unauthenticatedLimiter ?? new UnauthenticatedLimiter();
  }

  async start(): Promise<{ host: string; port: number }> {
    const { services, auth } = this.opts;
    const host = caTLSCerts(await services.authorities('host').get(auth.clusterName));
    const user = caTLSCerts(await services.authorities('user').get(auth.clusterName));
    this.hostCAs = host.map((p) => new X509Certificate(p));
    this.userCAs = user.map((p) => new X509Certificate(p));
    const server = createServer(
      {
        cert: this.opts.certPem,
        key: this.opts.keyPem,
        ca: [...host, ...user],
        requestCert: true,
        // Unauthenticated routes (ping, register) must be reachable; authenticated ones check `authorized`.
        rejectUnauthorized: false,
        ...(this.opts.tlsOptions ?? TLS_SERVER_OPTIONS),
      },
      (req, res) => {
        this.handle(req, res).catch((err: unknown) => this.opts.logger.error({ err }, 'unhandled request failure'));
      },
    );
    server.on('tlsClientError', (err) => this.opts.logger.debug({ err: err.message }, 'TLS handshake failed'));
    server.headersTimeout = 30_000;
    server.requestTimeout = 120_000;
    this.server = server;
    // Hosts' watch streams must move to a new process at reload: they reconnect by themselves.
    const bound = await listen(server, this.opts.port, this.opts.host, 'drop');
    return bound;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = requestURL(req, 'https://auth');
      const match = matchRoute(req.method ?? 'GET', url.pathname);
      if (!match) throw new NotFoundError(`no such API route: ${req.method} ${url.pathname}`);
      const { route, params } = match;
      // Who calls is known before a byte of the body is read.
      const caller = route.public ? undefined : await this.authenticate(req);
      precheckRoute(caller, route.method, route.path);
      // Requests without a cluster certificate to routes that check a secret are rate limited. Hosts
      // joining pay only for refusals (see payForRefusal), so that a fleet can join at once.
      const limited = route.public && route.path !== '/v1/ping' && !(req.socket as TLSSocket).authorized;
      const joining = route.path === '/v1/register';
      if (limited && joining) this.strangers.check(req.socket.remoteAddress ?? '');
      else if (limited) this.strangers.take(req.socket.remoteAddress ?? '');
      const body = route.body ? await readJSONObject(req, route.public ? MAX_PUBLIC_BODY : MAX_BODY) : undefined;
      const raw = route.rawBody ? await readBody(req, route.rawBody) : undefined;
      const aborted = new AbortController();
      res.once('close', () => aborted.abort());
      const peer = req.socket.remoteAddress?.replace(/^::ffff:(?=\d+\.)/, '');
      const remoteAddr = peer ? `${peer.includes(':') ? `[${peer}]` : peer}:${req.socket.remotePort}` : undefined;
      const run = route.run({ auth: this.opts.auth, caller: caller as Caller, params, query: url.searchParams, body: raw ?? body, signal: aborted.signal, remoteAddr });
      const result = limited && joining ? await run.catch((err: unknown) => this.payForRefusal(req, err)) : await run;
      if (result instanceof StreamBody) {
        await sendStream(res, route.status ?? 200, result, (err) => this.opts.logger.warn({ err: (err as Error).message, path: req.url }, 'auth API stream failed'));
        return;
      }
      sendJSON(res, route.status ?? 200, result ?? {});
    } catch (err) {
      const code = errorCode(err);
      if (code === 'internal') this.opts.logger.error({ err, path: req.url }, 'auth API request failed');
      const message = err instanceof TeleportError ? err.message : 'internal server error';
      closeIfUnread(req, res);
      sendJSON(res, errorStatus(err), { error: { code, message } });
    }
  }

  /** A refused registration (a wrong or expired token) takes a rate token from its address. */
  private payForRefusal(req: IncomingMessage, err: unknown): never {
    if (isCode(err, 'access_denied') || isCode(err, 'not_found') || isCode(err, 'bad_parameter')) {
      try {
        this.strangers.take(req.socket.remoteAddress ?? '');
      } catch {
        // Already at the limit: the next attempt is refused.
      }
    }
    throw err;
  }

  private async authenticate(req: IncomingMessage): Promise<Caller> {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerX509Certificate?.();
    if (!peer) throw new AccessDeniedError('this API needs a client certificate: log in with "tsh login" or use an identity file');
    if (!socket.authorized) {
      throw new AccessDeniedError(`client certificate was not issued by this cluster's certificate authority (${String(socket.authorizationError)})`);
    }
    const issuer = this.hostCAs.some((ca) => peer.checkIssued(ca) && peer.verify(ca.publicKey))
      ? 'host'
      : this.userCAs.some((ca) => peer.checkIssued(ca) && peer.verify(ca.publicKey))
        ? 'user'
        : undefined;
    if (!issuer) throw new AccessDeniedError("client certificate was not issued by this cluster's certificate authority");
    return callerFromIdentity(this.opts.services, identityFromCertificate(peer), issuer, issuer === 'host' ? certificateNames(peer) : []);
  }
}

/** The DNS names and IP addresses of a certificate's subject alternative names. */
function certificateNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '').split(', ').flatMap((e) => /^(?:DNS|IP Address):(.+)$/.exec(e)?.[1] ?? []);
}

function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  const parts = path.split('/').filter(Boolean).map(decodePathSegment);
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const pat = route.path.split('/').filter(Boolean);
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pat.length && ok; i++) {
      if (pat[i].endsWith('*')) {
        params[pat[i].slice(1, -1)] = parts.slice(i).join('/');
        if (parts.length <= i) ok = false;
        return ok ? { route, params } : undefined;
      }
      if (pat[i].startsWith(':')) params[pat[i].slice(1)] = parts[i];
      else if (pat[i] !== parts[i]) ok = false;
    }
    if (ok && pat.length === parts.length) return { route, params };
  }
  return undefined;
}
