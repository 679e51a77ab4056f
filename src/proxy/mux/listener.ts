/**
 * The proxy's listener front (Teleport's `lib/multiplexer` and TLS routing). On the web port it
 * reads the first bytes of each connection: TLS is terminated here and routed by ALPN (`http/1.1`
 * or none to the web server, `teleport-reversetunnel`, `teleport-proxy-ssh`, `teleport-postgres`,
 * ... and SNI `kube-teleport-proxy-alpn.*` to Kubernetes); a plain PostgreSQL SSLRequest or
 * GSSENCRequest goes to PostgreSQL, `SSH-` to the reverse tunnel server, and plain HTTP to the
 * web server when the port has no TLS (`--insecure-no-tls` behind a TLS-terminating balancer),
 * else it is told to use HTTPS. A separate listener (`postgres_listen_addr`, `mysql_listen_addr`,
 * `kube_listen_addr`) hands every connection to one protocol. Handlers come from the registry;
 * a protocol without one gets its refusal. Garbage, a slow first byte or TLS handshake, and an
 * ALPN nobody serves end that one connection with a log line.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket, createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { KUBE_SNI_PREFIX, ALPN, ALPN_PING_SUFFIX, protocolOfALPN, type RoutedProtocol } from '../../api/alpn.js';
import { BadParameterError, ConnectionProblemError } from '../../api/errors.js';
import { TLS_SERVER_OPTIONS } from '../../httpserver/index.js';
import type { Logger } from '../../log/index.js';
import { DETECT_BYTES, detect, hexPrefix } from './detect.js';
import { answerHTTPOnTLSPort } from './http-on-tls.js';
import { readProxyV1, readProxyV2, type ProxySource } from './proxy-line.js';
import { refusalFor } from './refusals.js';
import type { ProtocolRegistry, RoutedConnection } from './registry.js';
import { PeerClosedError, StreamReader } from './stream-reader.js';
import { bindListener, dropAtHandover } from '../../handover/index.js';

/** Default bound on the first bytes and the TLS handshake of a connection (Teleport's 15 s). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 15_000;

/** A certificate and key in PEM. */
export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

/** Options of a listener. */
export interface ProxyListenerOptions {
  /** The config key it comes from (`web_listen_addr`, `postgres_listen_addr`...), for logs and errors. */
  name: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** 'detect': tell protocols apart (the web port); a protocol: every connection is that. */
  route: 'detect' | RoutedProtocol;
  /** Terminate TLS with this certificate; without it the web port is plain (`--insecure-no-tls`). */
  tls?: KeyPairPem;
  /** The certificate for in-band TLS upgrades (PostgreSQL's SSLRequest); default `tls`. */
  upgradeTLS?: KeyPairPem;
  /** Versions and cipher suites offered; default TLS 1.2 and up with Node's suites. */
  tlsOptions?: Pick<SecureContextOptions, 'minVersion' | 'ciphers' | 'honorCipherOrder'>;
  registry: ProtocolRegistry;
  /** Bound on the first bytes, a PROXY header and the TLS handshake together. */
  handshakeTimeoutMs?: number;
  /**
   * Whether to ask this client for its certificate (optional: one without is served as before), by
   * its SNI and ALPN offer; the handler checks any certificate sent. Default: only for Kubernetes.
   */
  clientCertFor?: (serverName: string | undefined, offered: readonly string[]) => boolean;
  /** `proxy_service.proxy_protocol`: 'on' reads a PROXY header before the client's bytes; else one ends the connection. */
  proxyProtocol?: 'on' | 'off';
  logger: Logger;
}

/** A listening front; start() returns the bound address; close() is safe twice. */
export class ProxyListener {
  private server?: Server;
  /** Every open connection, routed or not. */
  private readonly all = new Set<Socket>();
  private readonly secure?: SecureContext;
  private readonly upgrade?: SecureContext;
  private readonly timeoutMs: number;
  private readonly log: Logger;

  /** Throws BadParameterError for an unusable certificate or key. */
  constructor(private readonly o: ProxyListenerOptions) {
    this.timeoutMs = o.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.log = o.logger.child({ listener: o.name });
    this.secure = o.tls && context(o.tls, o.name, o.tlsOptions);
    const up = o.upgradeTLS ?? o.tls;
    this.upgrade = up && (up === o.tls ? this.secure : context(up, o.name, o.tlsOptions));
    if (o.route === 'kube' && !o.tls) throw new BadParameterError(`${o.name}: the Kubernetes listener needs a certificate`);
  }

  /** Listens. Rejects with BadParameterError naming the key when the address cannot be bound. */
  async start(): Promise<{ host: string; port: number }> {
    // TCP_NODELAY on every accepted connection, as Go (Teleport) sets it: small writes (a request, a keystroke) leave at once.
    const server = createServer({ noDelay: true }, (sock) => this.accept(sock));
    server.on('error', (err) => this.log.warn({ err: err.message }, 'listener error'));
    await bindListener(server, this.o.host, this.o.port).catch((err: NodeJS.ErrnoException) => {
      throw new BadParameterError(`proxy_service.${this.o.name}: cannot listen on ${this.o.host}:${this.o.port}: ${err.code ?? err.message}`, { cause: err });
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    this.log.info({ addr: `${a.address}:${a.port}`, route: this.o.route, tls: Boolean(this.secure) }, 'proxy listener is up');
    return { host: a.address, port: a.port };
  }

  /** Stops listening and drops its connections, routed ones included (their handlers see them end). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.all) s.destroy();
    await closed;
  }

  private accept(sock: Socket): void {
    this.all.add(sock);
    sock.on('error', () => {});
    sock.once('close', () => this.all.delete(sock));
    const peer = { remoteAddress: sock.remoteAddress ?? '', remotePort: sock.remotePort ?? 0, localAddress: sock.localAddress ?? '', localPort: sock.localPort ?? 0 };
    const timer = setTimeout(() => {
      this.log.info({ remote_addr: `${peer.remoteAddress}:${peer.remotePort}`, timeout_ms: this.timeoutMs }, 'connection ended: no protocol or TLS handshake within the handshake timeout');
      sock.destroy();
    }, this.timeoutMs);
    timer.unref();
    sock.once('close', () => clearTimeout(timer));
    const route = this.o.route;
    const fail = (err: unknown) => {
      const fields = { remote_addr: `${peer.remoteAddress}:${peer.remotePort}`, err: (err as Error).message };
      // A TCP health check connects and closes: not worth a line at info.
      if (err instanceof PeerClosedError) this.log.debug(fields, 'connection closed before its first bytes');
      else this.log.info(fields, 'connection ended: unreadable first bytes');
      sock.destroy();
    };
    if (route === 'mysql') {
      // The MySQL server speaks first: nothing to read before handing over.
      clearTimeout(timer);
      return this.dispatch(route, sock, { ...peer, transport: 'plain' });
    }
    if (route !== 'detect') return void this.fixedRoute(sock, peer, timer, route).catch(fail);
    this.detectAndRoute(sock, peer, timer).catch(fail);
  }

  /** A one-protocol listener whose client speaks first: a PROXY header is read (or refused) first. */
  private async fixedRoute(sock: Socket, peer: Peer, timer: NodeJS.Timeout, route: RoutedProtocol): Promise<void> {
    const reader = new StreamReader(sock);
    const head = await this.firstBytes(reader, peer);
    sock.unshift(Buffer.concat([head, reader.detach()]));
    if (peer.remoteAddress !== sock.remoteAddress) setPeer(sock, peer);
    if (this.secure) return this.terminateTLS(sock, peer, timer);
    clearTimeout(timer);
    this.dispatch(route, sock, { ...peer, transport: 'plain' });
  }

  /**
   * The first DETECT_BYTES bytes of the client's own protocol, after a PROXY header when
   * `proxy_protocol` is on (its client then stands in `peer`). A header otherwise, or a second
   * one, is refused.
   */
  private async firstBytes(reader: StreamReader, peer: Peer): Promise<Buffer> {
    const head = await reader.read(DETECT_BYTES, this.timeoutMs);
    const kind = detect(head);
    if (kind !== 'proxy-v1' && kind !== 'proxy-v2') return head;
    if (this.o.proxyProtocol !== 'on') {
      throw new ConnectionProblemError('a PROXY protocol header arrived, but proxy_service.proxy_protocol is not "on" (set it when a load balancer sends one)');
    }
    const source: ProxySource = kind === 'proxy-v1' ? await readProxyV1(head, reader, this.timeoutMs) : await readProxyV2(head, reader, this.timeoutMs);
    if (source) Object.assign(peer, { remoteAddress: source.address, remotePort: source.port });
    const next = await reader.read(DETECT_BYTES, this.timeoutMs);
    const again = detect(next);
    if (again === 'proxy-v1' || again === 'proxy-v2') throw new ConnectionProblemError('a second PROXY protocol header');
    return next;
  }

  private async detectAndRoute(sock: Socket, peer: Peer, timer: NodeJS.Timeout): Promise<void> {
    const reader = new StreamReader(sock);
    const head = await this.firstBytes(reader, peer);
    const kind = detect(head);
    const rest = reader.detach();
    sock.unshift(Buffer.concat([head, rest]));
    if (peer.remoteAddress !== sock.remoteAddress) setPeer(sock, peer);
    const remote = `${peer.remoteAddress}:${peer.remotePort}`;
    switch (kind) {
      case 'tls':
        if (this.secure) return this.terminateTLS(sock, peer, timer);
        clearTimeout(timer);
        this.log.info({ remote_addr: remote }, 'connection ended: TLS on a listener without TLS (--insecure-no-tls: the load balancer in front terminates TLS)');
        sock.destroy();
        return;
      case 'http':
        clearTimeout(timer);
        if (this.secure) return answerHTTPOnTLSPort(sock, this.timeoutMs, this.log.child({ remote_addr: remote }));
        return this.dispatch('web', sock, { ...peer, transport: 'plain' });
      case 'ssh':
        clearTimeout(timer);
        return this.dispatch('reversetunnel', sock, { ...peer, transport: 'plain' });
      case 'postgres':
        clearTimeout(timer);
        return this.dispatch('postgres', sock, { ...peer, transport: 'plain' });
      default:
        clearTimeout(timer);
        this.log.info({ remote_addr: remote, first_bytes: hexPrefix(head) }, 'connection ended: unknown protocol');
        sock.destroy();
    }
  }

  private terminateTLS(sock: Socket, peer: Peer, timer: NodeJS.Timeout): void {
    let offered: string[] = [];
    let established = false;
    const fixed = this.o.route === 'detect' ? undefined : this.o.route;
    const tls: TLSSocket = new TLSSocket(sock, {
      isServer: true,
      secureContext: this.secure,
      // Kubernetes clients authenticate with their certificate, sent only when asked for (the front checks it).
      ...(fixed === 'kube' && { requestCert: true, rejectUnauthorized: false }),
      // kubectl's exec and port-forward upgrades (SPDY, websocket) offer no ALPN, so ALPNCallback
      // never runs for them: kube SNI asks for the certificate here as well.
      SNICallback: (servername, cb) => {
        if (fixed !== 'kube' && servername.startsWith(KUBE_SNI_PREFIX)) askForClientCert(tls);
        cb(null, this.secure);
      },
      ALPNCallback: ({ servername, protocols }) => {
        offered = protocols;
        const kube = fixed === 'kube' || (typeof servername === 'string' && servername.startsWith(KUBE_SNI_PREFIX));
        // On the web port only kube SNI asks for a certificate (browsers are not prompted); the
        // handshake has not sent its CertificateRequest yet when ALPN is chosen.
        if (kube && fixed !== 'kube') askForClientCert(tls);
        // App access: tsh and curl present an app certificate to an app's host name (or ALPN teleport-tcp).
        else if (!kube && this.o.clientCertFor?.(typeof servername === 'string' ? servername : undefined, protocols)) askForClientCert(tls);
        // Database clients by TLS routing (tsh proxy db) present the db certificate in this handshake.
        else if (!kube && offersDatabase(protocols)) askForClientCert(tls);
        return chooseALPN(protocols, kube);
      },
    });
    tls.on('error', (err: Error) => {
      // After the handshake the stream and its errors belong to the handler.
      if (established) return;
      const remote_addr = `${peer.remoteAddress}:${peer.remotePort}`;
      if ((err as NodeJS.ErrnoException).code === 'ERR_SSL_NO_APPLICATION_PROTOCOL') {
        this.log.info({ remote_addr, offered }, 'connection ended: the client asked for no protocol (ALPN) this proxy serves');
      } else {
        this.log.info({ remote_addr, err: err.message }, 'connection ended: TLS handshake failed');
      }
      tls.destroy();
    });
    tls.once('secure', () => {
      established = true;
      clearTimeout(timer);
      if (peer.remoteAddress !== sock.remoteAddress) setPeer(tls, peer);
      const alpn = tls.alpnProtocol || undefined;
      const serverName = (tls as { servername?: string | false }).servername || undefined;
      const protocol: RoutedProtocol = fixed ?? (serverName?.startsWith(KUBE_SNI_PREFIX) ? 'kube' : (alpn && protocolOfALPN(alpn)) || 'web');
      // Agents' tunnels and hosts' auth streams reconnect by themselves: at a reload they move to the new process.
      if (protocol === 'reversetunnel' || protocol === 'auth') dropAtHandover(sock);
      this.dispatch(protocol, tls, { ...peer, transport: 'tls', ...(alpn && { alpn }), ...(serverName && { serverName }) });
    });
  }

  private dispatch(protocol: RoutedProtocol, stream: Duplex, c: Peer & Pick<RoutedConnection, 'transport' | 'alpn' | 'serverName'>): void {
    const conn: RoutedConnection = { ...c, protocol, listener: this.o.name, startTLS: (s, o) => this.startTLS(s, o) };
    const handler = this.o.registry.get(protocol) ?? refusalFor(protocol, this.log);
    try {
      handler(stream, conn);
    } catch (err) {
      this.log.warn({ protocol, err: (err as Error).message }, 'connection ended: the protocol handler failed');
      stream.destroy();
    }
  }

  private startTLS(stream: Duplex, opts: { requestCert?: boolean } = {}): Promise<TLSSocket> {
    const ctx = this.upgrade;
    if (!ctx) return Promise.reject(new ConnectionProblemError(`${this.o.name}: this listener has no certificate for TLS`));
    return new Promise((resolve, reject) => {
      // A requested client certificate is checked by the handler against the CA it trusts.
      const tls = new TLSSocket(stream as Socket, { isServer: true, secureContext: ctx, ...(opts.requestCert && { requestCert: true, rejectUnauthorized: false }) });
      const timer = setTimeout(() => fail(new ConnectionProblemError(`no TLS handshake within ${this.timeoutMs} ms`)), this.timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        tls.destroy();
        reject(err);
      };
      tls.once('error', fail);
      tls.once('secure', () => {
        clearTimeout(timer);
        tls.off('error', fail);
        resolve(tls);
      });
    });
  }
}

type Peer = Pick<RoutedConnection, 'remoteAddress' | 'remotePort' | 'localAddress' | 'localPort'>;

/**
 * The ALPN answer to a client's offer, in the client's order: the first name this proxy serves
 * (`-ping` variants skipped: their framing is not spoken here); for Kubernetes, HTTP/1.1.
 * Undefined refuses the handshake (no_application_protocol), which is the client's clear error.
 */
export function chooseALPN(offered: string[], kube: boolean): string | undefined {
  if (kube) return offered.includes(ALPN.http1) ? ALPN.http1 : undefined;
  for (const p of offered) {
    if (p.endsWith(ALPN_PING_SUFFIX)) continue;
    if (protocolOfALPN(p)) return p;
  }
  return undefined;
}

function context(pair: KeyPairPem, name: string, options: ProxyListenerOptions['tlsOptions']): SecureContext {
  try {
    // Every TLS port of the proxy (web, Kubernetes, PostgreSQL and MySQL upgrades) gets Teleport's suites unless told otherwise.
    return createSecureContext({ ...TLS_SERVER_OPTIONS, ...options, cert: pair.certPem, key: pair.keyPem });
  } catch (err) {
    throw new BadParameterError(`proxy_service.${name}: unusable TLS certificate or key: ${(err as Error).message}`, { cause: err });
  }
}

/** True when the ALPN offer asks for a database front (`teleport-postgres`, `teleport-mysql[-<version>]`), whose handler checks the certificate. */
function offersDatabase(protocols: readonly string[]): boolean {
  return protocols.some((p) => p === ALPN.postgres || protocolOfALPN(p) === 'mysql');
}

/** Asks the client of a server TLSSocket still in its handshake for its certificate (not verified here). */
function askForClientCert(tls: TLSSocket): void {
  (tls as unknown as { _handle?: { setVerifyMode?(request: boolean, reject: boolean): void } })._handle?.setVerifyMode?.(true, false);
}

/** Makes a stream report the client a PROXY header named (handlers read it from the socket). */
function setPeer(stream: Duplex, peer: Peer): void {
  Object.defineProperty(stream, 'remoteAddress', { value: peer.remoteAddress, configurable: true });
  Object.defineProperty(stream, 'remotePort', { value: peer.remotePort, configurable: true });
}
