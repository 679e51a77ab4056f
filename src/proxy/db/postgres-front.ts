/**
 * The proxy's PostgreSQL front (Teleport's lib/srv/db/postgres proxy): answers GSSENCRequest
 * with `N` and SSLRequest with `S` and TLS asking for the client's certificate (on the web port
 * and `postgres_listen_addr`; inside ALPN `teleport-postgres` TLS the SSLRequest gets `N`), reads
 * the StartupMessage, checks the certificate against the cluster's user CA and reads the route to
 * the database from it, resolves the database's agent through the route core and dials it (kind
 * `db`), sends the agent the hello (src/api/db-wire.ts) and the StartupMessage, then pipes. The
 * agent authorizes and audits. Refusals reach the client as a FATAL ErrorResponse naming why.
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../../api/clock.js';
import { encodeDatabaseHello, type DatabaseHello } from '../../api/db-wire.js';
import { AccessDeniedError, BadParameterError, isCode } from '../../api/errors.js';
import { pgwire, readExact } from '../../db/index.js';
import type { Logger } from '../../log/index.js';
import type { ProtocolHandler, RoutedConnection } from '../mux/index.js';
import type { RouteTarget, Router } from '../route/index.js';
import { dialDatabaseAgent, pipeBoth } from './agent-dial.js';

/** Bound on each step before the session (a request, the TLS handshake, the startup message). */
const STEP_MS = 15_000;

/** A session's backend key (from the server's BackendKeyData) and where a cancel for it goes. */
interface CancelRoute {
  target: RouteTarget;
  hello: DatabaseHello;
}

/** What the PostgreSQL front needs. */
export interface PostgresFrontOptions {
  router: Router;
  /** The cluster's user CA certificates (PEM), which sign users' X.509 certificates. */
  userTLSCAs(): Promise<string[]>;
  clock: Clock;
  logger: Logger;
}

/** The handler to register for `postgres` in the proxy's ProtocolRegistry. */
export function postgresFront(o: PostgresFrontOptions): ProtocolHandler {
  const log = o.logger.child({ component: 'proxy:postgres' });
  // `pid:secret` of each live session through this proxy, for psql's CancelRequest (Ctrl-C).
  const cancels = new Map<string, CancelRoute>();
  return (stream, conn) => {
    stream.on('error', () => {});
    // The stream the client speaks on: the TLS socket once upgraded.
    const current = { s: stream };
    serve(o, current, conn, cancels, log).catch((err: unknown) => {
      log.info({ remote_addr: `${conn.remoteAddress}:${conn.remotePort}`, listener: conn.listener, err: (err as Error).message }, 'PostgreSQL connection refused');
      const s = current.s;
      if (!s.destroyed && s.writable) s.end(pgwire.errorResponse((err as Error).message, sqlState(err)));
      else s.destroy();
    });
  };
}

function sqlState(err: unknown): string {
  if (isCode(err, 'access_denied')) return '28000';
  if (isCode(err, 'not_found')) return '3D000';
  if (isCode(err, 'bad_parameter')) return '08P01';
  return '08006';
}

async function serve(o: PostgresFrontOptions, current: { s: Duplex }, conn: RoutedConnection, cancels: Map<string, CancelRoute>, log: Logger): Promise<void> {
  let s = current.s;
  let upgraded = false;
  let gss = false;
  let startup: pgwire.StartupPacket | undefined;
  for (let step = 0; step < 4 && !startup; step++) {
    const head = await readExact(s, 4, STEP_MS);
    const len = head.readUInt32BE(0);
    if (len < 8 || len > pgwire.PG_MAX_STARTUP) throw new BadParameterError(`not a PostgreSQL startup packet (length ${len})`);
    const packet = pgwire.parseStartup(Buffer.concat([head, await readExact(s, len - 4, STEP_MS)]));
    switch (packet.code) {
      case pgwire.PG_GSSENC_REQUEST:
        if (gss) throw new BadParameterError('a second GSSENCRequest');
        gss = true;
        s.write('N');
        continue;
      case pgwire.PG_SSL_REQUEST:
        if (upgraded) throw new BadParameterError('a second SSLRequest inside TLS');
        if (conn.transport === 'tls') {
          // Behind ALPN teleport-postgres the TLS is already there.
          upgraded = true;
          s.write('N');
          continue;
        }
        s.write('S');
        s = await conn.startTLS(s, { requestCert: true });
        s.on('error', () => {});
        current.s = s;
        upgraded = true;
        continue;
      case pgwire.PG_CANCEL_REQUEST:
        return relayCancel(o, s, packet, cancels, log);
      case pgwire.PG_PROTOCOL_3:
        startup = packet;
        break;
      default:
        throw new BadParameterError(`unsupported PostgreSQL protocol version ${packet.code >> 16}.${packet.code & 0xffff}`);
    }
  }
  if (!startup) throw new BadParameterError('too many PostgreSQL negotiation requests');
  if (!upgraded && conn.transport !== 'tls') {
    throw new AccessDeniedError('Teleport requires TLS with a client certificate: run "tsh db login <database>" and connect with the settings it writes (sslmode=verify-full)');
  }
  const { agent, target, hello } = await dialDatabaseAgent(o, s as TLSSocket, conn, 'postgres');
  agent.write(startup.raw);
  pipeBoth(s, agent);
  watchBackendKey(agent, (key) => {
    cancels.set(key, { target, hello });
    agent.once('close', () => cancels.delete(key));
  });
}

/**
 * Calls `onKey` with `pid:secret` of the server's BackendKeyData, read from the bytes the agent
 * relays until ReadyForQuery (the login); stops watching then.
 */
function watchBackendKey(agent: Duplex, onKey: (key: string) => void): void {
  const split = new pgwire.MessageSplitter();
  const onData = (chunk: Buffer) => {
    try {
      for (const m of split.push(chunk)) {
        if (m.type === 'K' && m.body.length >= 8) onKey(`${m.body.readUInt32BE(0)}:${m.body.readUInt32BE(4)}`);
        if (m.type === 'Z' || m.type === 'E') return agent.off('data', onData);
      }
    } catch {
      agent.off('data', onData);
    }
  };
  agent.on('data', onData);
}

/**
 * A CancelRequest (plain, as libpq sends it): to the agent of the session whose backend key it
 * names, which relays it to the database. An unknown key is ignored, as PostgreSQL does.
 */
async function relayCancel(o: PostgresFrontOptions, s: Duplex, packet: pgwire.StartupPacket, cancels: Map<string, CancelRoute>, log: Logger): Promise<void> {
  s.end();
  const route = cancels.get(`${packet.cancel!.pid}:${packet.cancel!.secret}`);
  if (!route) return log.info({ pid: packet.cancel!.pid }, 'cancel request for no session of this proxy ignored');
  const agent = await o.router.dial(route.target);
  agent.on('error', () => {});
  agent.write(encodeDatabaseHello({ ...route.hello, session_id: randomUUID(), cancel: true }));
  agent.end(packet.raw);
  agent.resume();
  log.info({ db: route.hello.database, user: route.hello.user }, 'cancel request relayed');
}
