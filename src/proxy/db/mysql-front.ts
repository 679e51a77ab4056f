/**
 * The proxy's MySQL front (Teleport's lib/srv/db/mysql proxy), on `mysql_listen_addr` and ALPN
 * `teleport-mysql`: plays the server's greeting (protocol 10, CLIENT_SSL, mysql_native_password,
 * the server version the database agents learned, else Teleport's `8.0.0-Teleport`), takes the
 * client's SSLRequest and upgrades to TLS asking for its certificate, reads the HandshakeResponse,
 * checks the certificate against the user CA and reads the route, dials the database's agent
 * through the route core (kind `db`), sends it the hello and the HandshakeResponse, then pipes.
 * The agent authorizes, logs in and answers OK. Refusals reach the client as ERR packets.
 */
import { randomBytes, randomUUID, type X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../../api/clock.js';
import { DB_HELLO_VERSION, encodeDatabaseHello, type DatabaseHello } from '../../api/db-wire.js';
import { AccessDeniedError, BadParameterError, NotFoundError } from '../../api/errors.js';
import { mysqlErrorPacket, mysqlwire, readMysqlPacket } from '../../db/index.js';
import type { Logger } from '../../log/index.js';
import { identityFromCertificate, verifyChain, type Identity } from '../../tlsca/index.js';
import type { ProtocolHandler, RoutedConnection } from '../mux/index.js';
import type { Router } from '../route/index.js';

/** What the MySQL front needs. */
export interface MysqlFrontOptions {
  router: Router;
  /** The cluster's user CA certificates (PEM), which sign users' X.509 certificates. */
  userTLSCAs(): Promise<string[]>;
  clock: Clock;
  logger: Logger;
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
 * The version to greet with: the one every MySQL database's agent reported when they agree
 * (the greeting comes before the client names a database), else Teleport's default.
 */
async function serverVersion(router: Router): Promise<string> {
  try {
    const versions = new Set<string>();
    for (const s of await router.servers('db')) {
      const spec = (s.spec.database as { spec?: { protocol?: string; mysql?: { server_version?: string } } } | undefined)?.spec;
      if (spec?.protocol !== 'mysql') continue;
      versions.add(spec.mysql?.server_version ?? '');
    }
    const [only] = versions;
    return versions.size === 1 && only ? only : mysqlwire.DEFAULT_SERVER_VERSION;
  } catch {
    return mysqlwire.DEFAULT_SERVER_VERSION;
  }
}

async function serve(o: MysqlFrontOptions, current: { s: Duplex; seq: number }, conn: RoutedConnection, connectionId: number): Promise<void> {
  let s = current.s;
  s.write(
    mysqlwire.packet(
      0,
      mysqlwire.encodeGreeting({
        serverVersion: await serverVersion(o.router),
        connectionId,
        // Printable bytes without NUL, as servers send.
        scramble: Buffer.from([...randomBytes(20)].map((b) => 0x21 + (b % 94))),
        capabilities: mysqlwire.PROXY_CAPABILITIES,
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
  const identity = await verifyClient(o, s as TLSSocket);
  const route = identity.routeToDatabase;
  if (!route?.serviceName) throw new AccessDeniedError('this certificate carries no database route: run "tsh db login <database>" first');
  if (route.protocol && route.protocol !== 'mysql') throw new BadParameterError(`database "${route.serviceName}" speaks ${route.protocol}, not MySQL`);
  const { target } = await o.router.resolve('db', (servers) => {
    const found = servers.find((d) => d.metadata.name === route.serviceName);
    if (!found) throw new NotFoundError(`database "${route.serviceName}" not found`);
    return found;
  });
  const clientAddr = `${conn.remoteAddress}:${conn.remotePort}`;
  // ConnectionProblemError naming the database when its agent cannot be reached.
  const agent = await o.router.dial(target, { clientAddr });
  agent.on('error', () => {});
  const hello: DatabaseHello = {
    v: DB_HELLO_VERSION,
    database: route.serviceName,
    protocol: 'mysql',
    user: identity.username,
    roles: identity.groups,
    traits: (identity.traits ?? {}) as Record<string, string[]>,
    ...(route.username && { route_user: route.username }),
    ...(route.database && { route_database: route.database }),
    client_addr: clientAddr,
    session_id: randomUUID(),
  };
  agent.write(encodeDatabaseHello(hello));
  agent.write(response.raw);
  pipeBoth(s, agent);
}

/** The client's certificate, checked against the user CA now; its identity. */
async function verifyClient(o: MysqlFrontOptions, tls: TLSSocket): Promise<Identity> {
  const peer: X509Certificate | undefined = tls.getPeerX509Certificate?.();
  if (!peer) throw new AccessDeniedError('no client certificate: run "tsh db login <database>" and connect with the certificate it writes (ssl-cert, ssl-key)');
  verifyChain(peer.toString(), await o.userTLSCAs(), new Date(o.clock.now()));
  return identityFromCertificate(peer);
}

/** Pipes both ways; either side closing ends the other. */
function pipeBoth(a: Duplex, b: Duplex): void {
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.pipe(b);
  b.pipe(a);
  a.once('close', end);
  b.once('close', end);
  a.once('error', end);
  b.once('error', end);
}
