/**
 * The proxy's MySQL front (Teleport's lib/srv/db/mysql proxy), on `mysql_listen_addr` and ALPN
 * `teleport-mysql`: plays the server's greeting (protocol 10, CLIENT_SSL, mysql_native_password,
 * the server version of the database (what its agent learned from the server, else its configured
 * `mysql.server_version`), else `mysql_server_version`, else Teleport's `8.0.0-Teleport`), takes the
 * client's SSLRequest and upgrades to TLS asking for its certificate, reads the HandshakeResponse,
 * checks the certificate against the user CA and reads the route, dials the database's agent
 * through the route core (kind `db`), sends it the hello and the HandshakeResponse, then pipes.
 * The agent authorizes, logs in and answers OK. Refusals reach the client as ERR packets.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../../api/clock.js';
import { AccessDeniedError, BadParameterError } from '../../api/errors.js';
import { mysqlErrorPacket, mysqlwire, readMysqlPacket } from '../../db/index.js';
import type { Logger } from '../../log/index.js';
import { identityFromCertificate, verifyChain } from '../../tlsca/index.js';
import type { ProtocolHandler, RoutedConnection } from '../mux/index.js';
import type { Router } from '../route/index.js';
import { dialDatabaseAgent, pipeBoth } from './agent-dial.js';

/** What the MySQL front needs. */
export interface MysqlFrontOptions {
  router: Router;
  /** The cluster's user CA certificates (PEM), which sign users' X.509 certificates. */
  userTLSCAs(): Promise<string[]>;
  clock: Clock;
  logger: Logger;
  /** `proxy_service.mysql_server_version`: the version to greet with when the databases give none. */
  serverVersion?: string;
}

/** The handler to register for `mysql` in the proxy's ProtocolRegistry. */
export function mysqlFront(o: MysqlFrontOptions): ProtocolHandler {
  const log = o.logger.child({ component: 'proxy:mysql' });
  let connectionId = 0;
  return (stream, conn) => {
    stream.on('error', () => {});
    // The stream the client speaks on (the TLS socket once upgraded) and the next sequence number.
    const current = { s: stream, seq: 0 };
    serve(o, current, conn, (connectionId = (connectionId + 1) >>> 0)).catch((err: unknown) => {
      log.info({ remote_addr: `${conn.remoteAddress}:${conn.remotePort}`, listener: conn.listener, err: (err as Error).message }, 'MySQL connection refused');
      const s = current.s;
      if (!s.destroyed && s.writable) s.end(mysqlErrorPacket(current.seq, err as Error));
      else s.destroy();
    });
  };
}

/**
 * The version to greet with: the routed database's when the client's certificate (TLS routing, sent
 * before the greeting) names one, else the one every MySQL database reports when they agree (a plain
 * greeting comes before the client names a database), else `mysql_server_version`, else Teleport's default.
 */
async function serverVersion(o: MysqlFrontOptions, stream: Duplex): Promise<string> {
  const fallback = o.serverVersion || mysqlwire.DEFAULT_SERVER_VERSION;
  try {
    const routed = await routedDatabase(o, stream);
    const versions = new Set<string>();
    for (const s of await o.router.servers('db')) {
      const db = s.spec.database as { metadata?: { name?: string }; spec?: { protocol?: string; mysql?: { server_version?: string } } } | undefined;
      if (db?.spec?.protocol !== 'mysql') continue;
      if (routed !== undefined && db.metadata?.name === routed) return db.spec.mysql?.server_version || fallback;
      versions.add(db.spec.mysql?.server_version ?? '');
    }
    const [only] = versions;
    return versions.size === 1 && only ? only : fallback;
  } catch {
    return fallback;
  }
}

/** The database a trusted client certificate already presented is routed to (TLS routing). */
async function routedDatabase(o: MysqlFrontOptions, stream: Duplex): Promise<string | undefined> {
  const peer = (stream as Partial<TLSSocket>).getPeerX509Certificate?.();
  if (!peer) return undefined;
  try {
    verifyChain(peer.toString(), await o.userTLSCAs(), new Date(o.clock.now()));
    return identityFromCertificate(peer).routeToDatabase?.serviceName || undefined;
  } catch {
    // Refused with its reason once the handshake response is in.
    return undefined;
  }
}

async function serve(o: MysqlFrontOptions, current: { s: Duplex; seq: number }, conn: RoutedConnection, connectionId: number): Promise<void> {
  let s = current.s;
  s.write(
    mysqlwire.packet(
      0,
      mysqlwire.encodeGreeting({
        serverVersion: await serverVersion(o, s),
        connectionId,
        // Printable bytes without NUL, as servers send.
        scramble: Buffer.from([...randomBytes(20)].map((b) => 0x21 + (b % 94))),
        // Behind ALPN teleport-mysql (tsh proxy db) the TLS is already there: no SSL to offer.
        capabilities: conn.transport === 'tls' ? mysqlwire.PROXY_CAPABILITIES & ~mysqlwire.CLIENT.SSL : mysqlwire.PROXY_CAPABILITIES,
        charset: mysqlwire.DEFAULT_CHARSET,
        status: 0x0002,
        authPlugin: mysqlwire.AUTH_PLUGIN,
      }),
    ),
  );
  current.seq = 2;
  let response = await readMysqlPacket(s);
  let hs = mysqlwire.parseHandshakeResponse(response.payload);
  current.seq = response.seq + 1;
  if (conn.transport !== 'tls') {
    if (!(hs.capabilities & mysqlwire.CLIENT.SSL) || hs.user !== undefined) {
      throw new AccessDeniedError('Teleport requires TLS with a client certificate: run "tsh db login <database>" and connect with the settings it writes (ssl-cert, ssl-key, ssl-ca)');
    }
    s = await conn.startTLS(s, { requestCert: true });
    s.on('error', () => {});
    current.s = s;
    response = await readMysqlPacket(s);
    hs = mysqlwire.parseHandshakeResponse(response.payload);
    current.seq = response.seq + 1;
  }
  if (hs.user === undefined) throw new BadParameterError('a second SSLRequest inside TLS');
  const { agent } = await dialDatabaseAgent(o, s as TLSSocket, conn, 'mysql');
  agent.write(response.raw);
  pipeBoth(s, agent);
}
