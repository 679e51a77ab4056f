/**
 * The proxy's web listener (`proxy_service.web_listen_addr`, 3080): HTTPS serving the web API that
 * clients and agents discover the cluster with. Routes answer both under `/webapi/...` and
 * `/v1/webapi/...`, as Teleport's do. Uses the configured `https_keypairs`, else a certificate from
 * the cluster's host CA (browsers will ask the user to trust it), or plain HTTP with
 * `--insecure-no-tls` behind a TLS-terminating load balancer.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { systemClock, type Clock } from '../../api/clock.js';
import { BadParameterError, NotFoundError, NotImplementedError, TeleportError, errorCode } from '../../api/errors.js';
import { VERSION } from '../../api/version.js';
import {
  HSTS_HEADER,
  TLS_SERVER_OPTIONS,
  type TLSServerOptions,
  closeIfUnread,
  closeServer,
  decodePathSegment,
  errorStatus,
  readJSONBody,
  requestURL,
  sendJSON,
} from '../../httpserver/index.js';
import { UnauthenticatedLimiter, admitRequest, admitUpgrade, type ConnectionLimiter } from '../../limiter/index.js';
import type { Logger } from '../../log/index.js';
import type { Router } from '../route/index.js';
import type { AppProxy } from '../app/index.js';
import { hostOnly } from '../app/index.js';
import { ProtocolRegistry, ProxyListener, type KeyPairPem } from '../mux/index.js';

/** The bodies of `tsh login` and the invite page's calls are small. */
const MAX_PUBLIC_BODY = 64 * 1024;
import { defaultSSHPublicAddr, findResponse, pingResponse, type KubeProxySettings } from './ping.js';
import type { ProxyAuth } from '../proxy-auth.js';
import type { WebUIAuth } from './ui-auth.js';
import { handleHostJoin } from './host-join.js';
import { registerChallenge, sshCerts, tokenInfo } from './login.js';
import { handleSSO } from './sso.js';
import { WebUI } from './routes.js';
import { PublicMFA } from './mfa-public.js';

/** Options of the web listener. */
export interface ProxyWebServerOptions {
  host: string;
  port: number;
  /** TLS versions and suites of the web port (`teleport.ciphersuites`); TLS_SERVER_OPTIONS when absent. */
  tlsOptions?: TLSServerOptions;
  /** Ping/find, `tsh login`, invite links and host joins: the in-process AuthService or a remote adapter. */
  auth: ProxyAuth;
  /**
   * What the web UI (web sessions, admin pages, terminals) runs on: the auth service of this
   * process, or the auth API. Unset, the proxy serves no web UI (those routes answer NotImplemented).
   */
  webUIAuth?: WebUIAuth;
  /** Certificate from the host CA; undefined serves plain HTTP (`--insecure-no-tls`). */
  tls?: { certPem: string; keyPem: string };
  httpsKeypairs?: { keyFile: string; certFile: string }[];
  publicAddr: () => string;
  /** Where clients reach the proxy's SSH listener; default: the web host on port 3023. */
  sshPublicAddr?: () => string;
  /** Where agents reach the reverse tunnel listener (find/ping `ssh_tunnel_public_addr`); default: the web host on 3024. */
  tunnelPublicAddr?: () => string;
  /** Ping's `proxy.db`: the separate database listeners clients use (`mysql_listen_addr`). */
  dbAddrs?: () => Record<string, string>;
  /** Ping's `proxy.kube`: Kubernetes served, and the separate kube listener's addresses. */
  kubeSettings?: () => KubeProxySettings;
  /** Where joining nodes reach the auth server (install scripts); default: the web host on port 3025. */
  authPublicAddr?: () => string;
  /** The built web UI; default web/dist next to the code. */
  webDir?: string;
  /** The proxy's route core: web terminals dial nodes through it (in this process, through their tunnel, or by TCP). */
  router?: Router;
  clock?: Clock;
  /** `teleport.connection_limits`: requests in flight and rates per client IP (429 over them). */
  limiter?: ConnectionLimiter;
  /**
   * The handlers the web port routes to besides the web API (reverse tunnel, proxy SSH, databases,
   * Kubernetes); the web server registers itself as `web`. Default: a registry of its own.
   */
  protocols?: ProtocolRegistry;
  /** Certificate for in-band TLS upgrades (PostgreSQL) when the port itself has none (`--insecure-no-tls`). */
  upgradeTLS?: KeyPairPem;
  /** `proxy_service.proxy_protocol`. */
  proxyProtocol?: 'on' | 'off';
  /** Bound on a connection's first bytes and TLS handshake; default 15 s. */
  handshakeTimeoutMs?: number;
  /** Whether ping/find say `tls_routing_enabled` (agents then dial tunnels through this port). */
  tlsRouting?: () => boolean;
  /** Application access (src/proxy/app): requests to apps' host names or with app certificates, and the JWKS. */
  apps?: AppProxy;
  /** Login, invite and token endpoints per client IP; default Teleport's 20 a minute, bursts of 40. */
  unauthenticatedLimiter?: UnauthenticatedLimiter;
  logger: Logger;
}

/** The listener; start() returns the bound address; close() is safe twice. */
export class ProxyWebServer {
  private server?: Server;
  private front?: ProxyListener;
  private unregister?: () => void;
  private readonly ui?: WebUI;
  private readonly strangers: UnauthenticatedLimiter;
  /** Security-key logins and tsh's browser relay (mfa-public.ts). */
  private readonly mfa: PublicMFA;

  constructor(private readonly opts: ProxyWebServerOptions) {
    this.strangers = opts.unauthenticatedLimiter ?? new UnauthenticatedLimiter(opts.clock ? { clock: opts.clock } : {});
    this.mfa = new PublicMFA({ auth: opts.auth, strangers: this.strangers, peer: peerAddr });
    if (!opts.webUIAuth) return;
    this.ui = new WebUI({
      auth: opts.webUIAuth,
      logger: opts.logger,
      clock: opts.clock ?? systemClock,
      publicAddr: opts.publicAddr,
      authPublicAddr: opts.authPublicAddr ?? (() => `${opts.publicAddr().replace(/:\d+$/, '')}:3025`),
      strangers: this.strangers,
      ...(opts.webDir && { webDir: opts.webDir }),
      ...(opts.router && { router: opts.router }),
    });
  }

  async start(): Promise<{ host: string; port: number }> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((err: unknown) => this.opts.logger.error({ err }, 'web request failed'));
    };
    // TLS is terminated by the listener front (src/proxy/mux), which hands HTTP connections here.
    const server: Server = createHttpServer(handler);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // A throw in this listener would be an uncaught exception that stops the whole process.
      try {
        if (this.opts.limiter && !admitUpgrade(this.opts.limiter, req, socket, this.opts.logger)) return;
        const apps = this.opts.apps;
        if (apps) {
          // Upgrades to an app's host (websockets) are the app proxy's; the rest the web UI's.
          apps.handleUpgrade(req, socket, head).then(
            (taken) => taken || this.upgradeWebUI(req, socket, head),
            (err: unknown) => this.refuseUpgrade(socket, err),
          );
          return;
        }
        this.upgradeWebUI(req, socket, head);
      } catch (err) {
        this.refuseUpgrade(socket, err);
      }
    });
    this.server = server;
    const registry = this.opts.protocols ?? new ProtocolRegistry();
    this.unregister = registry.register('web', (stream) => server.emit('connection', stream));
    const apps = this.opts.apps;
    this.front = new ProxyListener({
      name: 'web_listen_addr',
      host: this.opts.host,
      port: this.opts.port,
      route: 'detect',
      tls: this.opts.tls && (await this.keyPair()),
      tlsOptions: this.opts.tlsOptions ?? TLS_SERVER_OPTIONS,
      ...((this.opts.upgradeTLS ?? this.opts.tls) && { upgradeTLS: this.opts.upgradeTLS ?? this.opts.tls }),
      registry,
      // App hosts (any SNI but the proxy's own name) and TCP apps are asked for an app certificate.
      ...(apps && { clientCertFor: (sni: string | undefined, offered: readonly string[]) => offered.includes('teleport-tcp') || (sni !== undefined && sni !== hostOnly(this.opts.publicAddr())) }),
      ...(this.opts.proxyProtocol && { proxyProtocol: this.opts.proxyProtocol }),
      ...(this.opts.handshakeTimeoutMs && { handshakeTimeoutMs: this.opts.handshakeTimeoutMs }),
      logger: this.opts.logger,
    });
    const bound = await this.front.start();
    this.opts.logger.info({ addr: `${bound.host}:${bound.port}`, tls: Boolean(this.opts.tls) }, 'proxy web listener is up');
    return bound;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await this.front?.close();
    this.unregister?.();
    await this.ui?.close();
    await closeServer(server);
  }

  /** The web UI's websocket upgrades (terminals); anything else is refused. */
  private upgradeWebUI(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    try {
      const url = requestURL(req, 'https://proxy');
      const path = url.pathname.replace(/^\/v1(?=\/webapi\/)/, '');
      for (const segment of path.split('/')) decodePathSegment(segment);
      if (!this.ui?.handleUpgrade(req, socket, head, path, url.searchParams)) socket.destroy();
    } catch (err) {
      this.refuseUpgrade(socket, err);
    }
  }

  /** Answers a refused upgrade on the raw socket with the error's status and JSON body. */
  private refuseUpgrade(socket: Duplex, err: unknown): void {
    if (errorCode(err) === 'internal') this.opts.logger.error({ err }, 'web upgrade request failed');
    const message = err instanceof TeleportError ? err.message : 'internal server error';
    const body = JSON.stringify({ error: { message } });
    socket.end(`HTTP/1.1 ${errorStatus(err)} Error\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }

  private sshPublicAddr(): string {
    return this.opts.sshPublicAddr?.() ?? defaultSSHPublicAddr(this.opts.publicAddr());
  }

  private async keyPair(): Promise<{ certPem: string; keyPem: string }> {
    const first = this.opts.httpsKeypairs?.[0];
    if (!first) return this.opts.tls!;
    try {
      return { certPem: await readFile(first.certFile, 'utf8'), keyPem: await readFile(first.keyFile, 'utf8') };
    } catch (err) {
      throw new BadParameterError(`proxy_service.https_keypairs: cannot read ${first.certFile} / ${first.keyFile}: ${(err as Error).message}`, { cause: err });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (this.opts.tls) res.setHeader('strict-transport-security', HSTS_HEADER);
      if (this.opts.limiter) admitRequest(this.opts.limiter, req, res, this.opts.logger);
      // Requests to an app's host name (or with an app certificate), and the JWKS (src/proxy/app).
      if (this.opts.apps && (await this.opts.apps.handle(req, res))) return;
      const url = requestURL(req, 'https://proxy');
      const path = url.pathname.replace(/^\/v1(?=\/webapi\/)/, '');
      if (req.method === 'GET' && (path === '/webapi/ping' || path.startsWith('/webapi/ping/'))) {
        return sendJSON(res, 200, await pingResponse(this.opts.auth, this.opts.publicAddr(), this.sshPublicAddr(), this.opts.tunnelPublicAddr?.(), this.opts.tlsRouting?.(), this.opts.dbAddrs?.(), this.opts.kubeSettings?.()));
      }
      if (req.method === 'GET' && path === '/webapi/find') {
        return sendJSON(res, 200, findResponse(this.opts.auth, this.opts.publicAddr(), this.sshPublicAddr(), this.opts.tunnelPublicAddr?.(), this.opts.tlsRouting?.(), this.opts.kubeSettings?.()));
      }
      if (req.method === 'GET' && path === '/webapi/version') return sendJSON(res, 200, { version: VERSION });
      // Hosts joining through the proxy (reverse tunnel nodes).
      if (await handleHostJoin(req, res, path, url.searchParams, this.opts.auth, this.strangers)) return;
      // Security-key logins (tsh and the login page) and tsh's browser relay for WebAuthn.
      if (await this.mfa.handle(req, res, path, url.searchParams)) return;
      // Single sign-on: tsh's and the web UI's GitHub, OIDC and SAML logins and their callbacks.
      if (await handleSSO(req, res, path, url.searchParams, { auth: this.opts.auth, strangers: this.strangers, peer: peerAddr })) return;
      // The web UI: the app at /web, web sessions, cluster, admin and script routes.
      if (this.ui && (await this.ui.handle(req, res, path, url.searchParams))) return;
      const auth = this.opts.auth;
      // `tsh login` and the invite page: no session, a password or token to check, rate limited per IP.
      const ip = req.socket.remoteAddress ?? '';
      if (req.method === 'POST' && path === '/webapi/ssh/certs') {
        this.strangers.take(ip);
        return sendJSON(res, 200, await sshCerts(auth, await readJSONBody(req, MAX_PUBLIC_BODY), peerAddr(req)));
      }
      let m = /^\/webapi\/users\/password\/token\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && m) {
        this.strangers.take(ip);
        return sendJSON(res, 200, await tokenInfo(auth, decodePathSegment(m[1])));
      }
      m = /^\/webapi\/mfa\/token\/([^/]+)\/registerchallenge$/.exec(path);
      if (req.method === 'POST' && m) {
        this.strangers.take(ip);
        return sendJSON(res, 200, await registerChallenge(auth, decodePathSegment(m[1]), await readJSONBody(req, MAX_PUBLIC_BODY)));
      }
      if (!this.ui && (path === '/web' || path.startsWith('/web/') || path.startsWith('/webapi/'))) {
        throw new NotImplementedError('this proxy serves no web UI: use tsh');
      }
      throw new NotFoundError(`not found: ${url.pathname}`);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'internal') this.opts.logger.error({ err }, 'web API request failed');
      closeIfUnread(req, res);
      sendJSON(res, errorStatus(err), { error: { message: err instanceof TeleportError ? err.message : 'internal server error' } });
    }
  }
}

/** `ip:port` of the HTTP client, for audit events. */
function peerAddr(req: IncomingMessage): string | undefined {
  const { remoteAddress, remotePort } = req.socket;
  if (!remoteAddress) return undefined;
  return remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort ?? 0}` : `${remoteAddress}:${remotePort ?? 0}`;
}
