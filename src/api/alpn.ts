/**
 * TLS routing on the proxy's web port (Teleport's `lib/srv/alpnproxy/common/protocols.go` names):
 * a client says which of the proxy's services it wants by the ALPN protocol of its TLS handshake
 * (or, for Kubernetes, by an SNI prefix). One table, shared by the proxy's listener front and by
 * the clients and agents that dial through it.
 */
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { ConnectionProblemError } from './errors.js';

/** The proxy services a connection on the web port can be routed to. */
export type RoutedProtocol =
  | 'web'
  | 'reversetunnel'
  | 'proxy-ssh'
  | 'auth'
  | 'kube'
  | 'postgres'
  | 'mysql'
  | 'mongodb'
  | 'redis'
  | 'sqlserver'
  | 'snowflake'
  | 'cassandra'
  | 'elasticsearch'
  | 'oracle'
  /** A TCP application (`tsh proxy app` for a `tcp://` app): raw bytes after TLS with the app certificate. */
  | 'app-tcp';

/** ALPN protocol names, as Teleport's clients and agents send them. */
export const ALPN = {
  http1: 'http/1.1',
  http2: 'h2',
  reverseTunnel: 'teleport-reversetunnel',
  proxySSH: 'teleport-proxy-ssh',
  postgres: 'teleport-postgres',
  mysql: 'teleport-mysql',
  mongodb: 'teleport-mongodb',
  redis: 'teleport-redis',
  sqlserver: 'teleport-sqlserver',
  snowflake: 'teleport-snowflake',
  cassandra: 'teleport-cassandra',
  elasticsearch: 'teleport-elasticsearch',
  oracle: 'teleport-oracle',
  /** TCP application access (Teleport's ProtocolTCP). */
  tcp: 'teleport-tcp',
  /** Followed by the SNI-encoded cluster name in Teleport (`teleport-auth@`). */
  auth: 'teleport-auth@',
} as const;

/** SNI prefix naming Kubernetes traffic (`kube-teleport-proxy-alpn.<cluster>`). */
export const KUBE_SNI_PREFIX = 'kube-teleport-proxy-alpn.';

/** Suffix Teleport's clients add to ask for keep-alive ping framing (not spoken here: skipped in negotiation). */
export const ALPN_PING_SUFFIX = '-ping';

const BY_NAME: Record<string, RoutedProtocol> = {
  [ALPN.http1]: 'web',
  [ALPN.reverseTunnel]: 'reversetunnel',
  [ALPN.proxySSH]: 'proxy-ssh',
  [ALPN.postgres]: 'postgres',
  [ALPN.mysql]: 'mysql',
  [ALPN.mongodb]: 'mongodb',
  [ALPN.redis]: 'redis',
  [ALPN.sqlserver]: 'sqlserver',
  [ALPN.snowflake]: 'snowflake',
  [ALPN.cassandra]: 'cassandra',
  [ALPN.elasticsearch]: 'elasticsearch',
  [ALPN.oracle]: 'oracle',
  [ALPN.tcp]: 'app-tcp',
  [ALPN.auth]: 'auth',
};

/**
 * The service an ALPN name asks for, or undefined for a name this proxy does not serve. `h2` is
 * not served (the web API speaks HTTP/1.1 only); `teleport-mysql-<version>` is MySQL (tsh carries
 * the server version that way).
 */
export function protocolOfALPN(name: string): RoutedProtocol | undefined {
  if (Object.hasOwn(BY_NAME, name)) return BY_NAME[name];
  if (name.startsWith(`${ALPN.mysql}-`) && !name.endsWith(ALPN_PING_SUFFIX)) return 'mysql';
  return undefined;
}

/** Options of `dialALPN`. */
export interface DialALPNOptions {
  host: string;
  port: number;
  /** The ALPN protocol to ask for (one of ALPN). */
  protocol: string;
  /** SNI; default `host` when it is a name. */
  serverName?: string;
  /**
   * Accept any server certificate: for protocols that authenticate the proxy inside the stream
   * (the reverse tunnel's SSH host certificate check). Default false.
   */
  insecure?: boolean;
  caPems?: string[];
  timeoutMs?: number;
  /**
   * Also accept a server that agreed to no ALPN protocol: a load balancer terminating TLS in front
   * of a plain (`--insecure-no-tls`) proxy, which then tells the protocol from its first bytes.
   * A server that picked another protocol is still refused. Default false.
   */
  allowNoALPN?: boolean;
}

/**
 * A TLS connection to the proxy's web port routed to `protocol`. ConnectionProblemError when it
 * cannot be made or the proxy does not serve that protocol (it then refuses the handshake).
 */
export function dialALPN(o: DialALPNOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const isIP = /^[\d.]+$|:/.test(o.host);
    const sock = tlsConnect({
      host: o.host,
      port: o.port,
      ALPNProtocols: [o.protocol],
      ...((o.serverName ?? (isIP ? undefined : o.host)) !== undefined && { servername: o.serverName ?? o.host }),
      rejectUnauthorized: !o.insecure,
      ...(o.caPems && { ca: o.caPems }),
    });
    const timer = setTimeout(() => fail(new Error(`no TLS handshake within ${o.timeoutMs ?? 15_000} ms`)), o.timeoutMs ?? 15_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new ConnectionProblemError(`cannot reach ${o.protocol} at ${o.host}:${o.port}: ${err.message}`, { cause: err }));
    };
    sock.once('error', fail);
    sock.once('secureConnect', () => {
      const agreed = sock.alpnProtocol;
      if (agreed !== o.protocol && !(o.allowNoALPN && !agreed)) return fail(new Error(`the server did not agree to ${o.protocol}`));
      clearTimeout(timer);
      sock.off('error', fail);
      resolve(sock);
    });
  });
}
