/**
 * The Kubernetes service's own listener (`kubernetes_service.listen_addr`), for a service joined
 * directly to auth: proxies dial it by the address the service heartbeats. Mutual TLS with the
 * service's host certificate; the client must present a host certificate of this cluster (host CA)
 * whose system role is Proxy: only a proxy may speak for a user (Teleport's "credentials forwarding
 * is only permitted for Proxy"). Inside the TLS stream the proxy sends the hello naming the user it
 * verified (wire.ts), then the client's HTTP bytes, exactly as over a tunnel or in memory: the
 * agent authorizes, impersonates and audits each request itself.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { AccessDeniedError } from '../api/errors.js';
import { bindListener } from '../handover/index.js';
import { TLS_SERVER_OPTIONS, type TLSServerOptions } from '../httpserver/index.js';
import type { Logger } from '../log/index.js';
import { identityFromCertificate } from '../tlsca/index.js';
import { rawStatusResponse } from './status.js';

/** A client slower than this to finish its handshake is dropped. */
const HANDSHAKE_TIMEOUT_MS = 15_000;

/** The host identity the listener serves with and trusts. */
export interface KubeListenerTLS {
  keyPem: string;
  certPem: string;
  /** The cluster's host CA certificates: proxies' certificates are checked against them. */
  hostCAs: string[];
}

/** Options of the listener. */
export interface KubeListenerOptions {
  host: string;
  port: number;
  tls: KubeListenerTLS;
  /** The Teleport cluster whose proxies are accepted. */
  clusterName: string;
  /** Serves one authenticated proxy stream (KubeAgent.serve). */
  serve(stream: TLSSocket): void;
  tlsOptions?: TLSServerOptions;
  logger: Logger;
}

/**
 * Checks the peer of `socket` is a proxy of `clusterName`; returns its host name. Throws
 * AccessDeniedError otherwise (no certificate, one the host CA did not sign, a user's or another
 * service's certificate, another cluster's proxy).
 */
export function checkProxyPeer(socket: TLSSocket, clusterName: string): string {
  const peer = socket.getPeerX509Certificate();
  if (!peer) throw new AccessDeniedError('the Kubernetes service accepts only proxies: no client certificate was presented');
  if (!socket.authorized) throw new AccessDeniedError(`the Kubernetes service accepts only proxies: the client certificate is not signed by this cluster's host CA (${String(socket.authorizationError)})`);
  const id = identityFromCertificate(peer);
  const roles = [...id.groups, ...(id.systemRoles ?? [])];
  if (!roles.includes('Proxy')) {
    throw new AccessDeniedError(`the Kubernetes service accepts only proxies: "${id.username}" (${roles.join(', ') || 'no roles'}) is not a proxy; forwarding a user's identity is only permitted for Proxy`);
  }
  if (!id.username.endsWith(`.${clusterName}`)) throw new AccessDeniedError(`the proxy "${id.username}" is not of cluster "${clusterName}"`);
  return id.username;
}

/** The listener; `start()` resolves with the bound address. */
export class KubeListener {
  private server?: Server;
  private readonly sockets = new Set<TLSSocket>();

  constructor(private readonly o: KubeListenerOptions) {}

  async start(): Promise<AddressInfo> {
    const { o } = this;
    const server = createServer({
      key: o.tls.keyPem,
      cert: o.tls.certPem,
      ca: o.tls.hostCAs,
      requestCert: true,
      // Checked below, so a refusal can be told to the client in Kubernetes' words.
      rejectUnauthorized: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      ...(o.tlsOptions ?? TLS_SERVER_OPTIONS),
    });
    server.on('secureConnection', (socket: TLSSocket) => this.accept(socket));
    server.on('tlsClientError', (err: Error, socket) => {
      o.logger.info({ remote_addr: `${socket.remoteAddress}:${socket.remotePort}`, err: err.message }, 'Kubernetes service: TLS handshake failed');
    });
    this.server = server;
    await bindListener(server, o.host, o.port, 'drop');
    const bound = server.address() as AddressInfo;
    o.logger.info({ addr: `${bound.address}:${bound.port}` }, 'Kubernetes service listening');
    return bound;
  }

  private accept(socket: TLSSocket): void {
    socket.on('error', () => {});
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    try {
      const proxy = checkProxyPeer(socket, this.o.clusterName);
      socket.setNoDelay(true);
      this.o.logger.debug({ proxy, remote_addr: `${socket.remoteAddress}:${socket.remotePort}` }, 'Kubernetes service: proxy connected');
    } catch (err) {
      this.o.logger.info({ remote_addr: `${socket.remoteAddress}:${socket.remotePort}`, err: (err as Error).message }, 'Kubernetes service: connection refused');
      socket.end(rawStatusResponse(err));
      return;
    }
    this.o.serve(socket);
  }

  /** Stops listening and drops open connections; safe twice. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
