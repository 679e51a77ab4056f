/**
 * The PostgreSQL engine (Teleport's lib/srv/db/postgres Engine): reads the client's
 * StartupMessage, authorizes the database user and name it asks for, logs in to the database
 * over TLS with a `db` CA client certificate whose CN is that user (`hostssl ... cert` in
 * pg_hba.conf), forwards the server's answer up to ReadyForQuery, then relays both ways,
 * recording the statements of the simple (Query) and extended (Parse/Bind/Execute) protocols.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { ConnectionProblemError, TeleportError, isCode } from '../../api/errors.js';
import type { DatabaseConfig } from '../../config/index.js';
import type { DatabaseSession, Engine } from '../engine.js';
import { readExact } from '../read-exact.js';
import { rdsAuthToken } from '../rds-iam.js';
import {
  MessageSplitter,
  PG_MAX_STARTUP,
  PG_PROTOCOL_3,
  encodeStartup,
  errorMessageOf,
  errorResponse,
  parseBind,
  parseExecute,
  parseParse,
  parseQuery,
  parseStartup,
  sslRequest,
  type PgMessage,
} from './wire.js';

/** Bound on each step of connecting (the startup message, the database's TCP, TLS and login). */
const STEP_MS = 15_000;

/** SQLSTATE of each refusal kind, as the client shows it. */
function sqlState(err: unknown): string {
  if (isCode(err, 'access_denied')) return '28000';
  if (isCode(err, 'limit_exceeded')) return '54000';
  if (isCode(err, 'not_found')) return '3D000';
  return '08006';
}

/** The PostgreSQL engine. */
export class PostgresEngine implements Engine {
  readonly protocol = 'postgres';

  sendError(client: Duplex, err: Error): void {
    client.end(errorResponse(err.message, sqlState(err)));
  }

  async cancel(database: DatabaseConfig, client: Duplex): Promise<void> {
    const packet = await readExact(client, 16, STEP_MS);
    const cancel = parseStartup(packet);
    if (!cancel.cancel) throw new ConnectionProblemError('not a PostgreSQL CancelRequest');
    // The server takes a CancelRequest before any TLS negotiation, as libpq sends it.
    const { host, port } = database.uri;
    await new Promise<void>((resolve, reject) => {
      const sock = netConnect({ host, port }, () => sock.end(packet));
      const timer = setTimeout(() => sock.destroy(new Error('the database did not take the cancel request in time')), STEP_MS);
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      sock.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      sock.resume();
    });
    client.end();
  }

  async handleConnection(s: DatabaseSession, client: Duplex): Promise<void> {
    const startup = await readStartup(client);
    const dbUser = startup.params.user || s.hello.route_user || '';
    const dbName = startup.params.database || s.hello.route_database || dbUser;
    try {
      await s.authorize(dbUser, dbName);
    } catch (err) {
      await s.audit.start(dbUser, dbName, err as Error);
      s.logger.info({ db_user: dbUser, db_name: dbName, err: (err as Error).message }, 'database connection refused');
      return this.sendError(client, err as Error);
    }
    let server: TLSSocket;
    try {
      server = await dialDatabase(s, dbUser);
    } catch (err) {
      const e = new ConnectionProblemError(`failed to connect to database "${s.database.name}": ${err instanceof TeleportError ? err.message : (err as Error).message}`, { cause: err });
      await s.audit.start(dbUser, dbName, e);
      return this.sendError(client, e);
    }
    server.write(encodeStartup({ ...startup.params, user: dbUser, database: dbName }));
    // RDS/Aurora (aws.region): the IAM auth token is the password the server asks for in cleartext, over TLS.
    let password: string | undefined;
    if (s.database.aws) {
      try {
        password = await rdsAuthToken(s.database, dbUser);
      } catch (err) {
        server.destroy();
        await s.audit.start(dbUser, dbName, err as Error);
        return this.sendError(client, err as Error);
      }
    }
    const login = await readLogin(server, client, password).catch((err: Error) => ({ error: err.message, rest: Buffer.alloc(0) }));
    if (login.error !== undefined) {
      server.destroy();
      const e = new ConnectionProblemError(login.error);
      await s.audit.start(dbUser, dbName, e);
      if (!client.writableEnded) client.end();
      return;
    }
    await s.audit.start(dbUser, dbName);
    await relay(s, client, server, login.rest);
    await s.audit.end();
  }
}

/** AuthenticationCleartextPassword: what RDS asks of IAM logins. */
const AUTH_CLEARTEXT = 3;

/** The client's StartupMessage (the proxy answered SSLRequest/GSSENCRequest already). */
async function readStartup(client: Duplex): Promise<ReturnType<typeof parseStartup>> {
  const head = await readExact(client, 4, STEP_MS);
  const len = head.readUInt32BE(0);
  if (len < 8 || len > PG_MAX_STARTUP) throw new ConnectionProblemError(`not a PostgreSQL startup packet (length ${len})`);
  const packet = parseStartup(Buffer.concat([head, await readExact(client, len - 4, STEP_MS)]));
  if (packet.code !== PG_PROTOCOL_3) throw new ConnectionProblemError(`unsupported PostgreSQL startup code ${packet.code}`);
  return packet;
}

/** TCP to the database, SSLRequest, then TLS with the agent's client certificate for `dbUser`. */
async function dialDatabase(s: DatabaseSession, dbUser: string): Promise<TLSSocket> {
  const { host, port } = s.database.uri;
  const tcp = await new Promise<Socket>((resolve, reject) => {
    const sock = netConnect({ host, port });
    const timer = setTimeout(() => fail(new Error(`no connection to ${host}:${port} within ${STEP_MS} ms`)), STEP_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    };
    sock.once('error', fail);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.off('error', fail);
      sock.setNoDelay(true);
      resolve(sock);
    });
  });
  tcp.on('error', () => {});
  try {
    tcp.write(sslRequest());
    const answer = (await readExact(tcp, 1, STEP_MS)).toString('latin1');
    if (answer !== 'S') throw new ConnectionProblemError(`the database at ${host}:${port} does not accept TLS (answered "${answer}"): enable ssl in postgresql.conf`);
    const options = await s.tlsOptions(dbUser);
    return await new Promise<TLSSocket>((resolve, reject) => {
      const tls = tlsConnect({ ...options, socket: tcp });
      const timer = setTimeout(() => fail(new Error(`no TLS handshake within ${STEP_MS} ms`)), STEP_MS);
      const fail = (err: Error) => {
        clearTimeout(timer);
        tls.destroy();
        reject(err);
      };
      tls.once('error', fail);
      tls.once('secureConnect', () => {
        clearTimeout(timer);
        tls.off('error', fail);
        tls.on('error', () => {});
        tls.setNoDelay?.(true);
        resolve(tls);
      });
    });
  } catch (err) {
    tcp.destroy();
    throw err;
  }
}

/**
 * Forwards the server's login answer to the client up to ReadyForQuery. Resolves with the bytes
 * read past it, or `error` (already forwarded when it was the server's ErrorResponse).
 */
function readLogin(server: TLSSocket, client: Duplex, password?: string): Promise<{ error?: string; rest: Buffer }> {
  return new Promise((resolve) => {
    const split = new MessageSplitter();
    const timer = setTimeout(() => done({ error: `the database did not finish the login within ${STEP_MS} ms`, rest: Buffer.alloc(0) }), STEP_MS);
    const done = (r: { error?: string; rest: Buffer }) => {
      clearTimeout(timer);
      server.off('data', onData);
      server.off('close', onClose);
      server.pause();
      resolve(r);
    };
    const onClose = () => done({ error: 'the database closed the connection during the login', rest: Buffer.alloc(0) });
    const onData = (chunk: Buffer) => {
      let msgs: PgMessage[];
      try {
        msgs = split.push(chunk);
      } catch (err) {
        return done({ error: (err as Error).message, rest: Buffer.alloc(0) });
      }
      // The messages of one read go to the client in one write (one TLS record at the proxy).
      const forward: Buffer[] = [];
      const flush = () => {
        if (forward.length > 0) client.write(forward.length === 1 ? forward[0] : Buffer.concat(forward));
        forward.length = 0;
      };
      for (let i = 0; i < msgs.length; i++) {
        const m = msgs[i];
        if (m.type === 'R' && m.body.length >= 4 && m.body.readUInt32BE(0) === AUTH_CLEARTEXT && password !== undefined) {
          const text = Buffer.from(`${password}\0`);
          const len = Buffer.alloc(4);
          len.writeUInt32BE(4 + text.length);
          server.write(Buffer.concat([Buffer.from('p'), len, text]));
          continue;
        }
        if (m.type === 'R' && m.body.length >= 4 && m.body.readUInt32BE(0) !== 0) {
          const why = 'the database asked for a password: configure certificate authentication (hostssl ... cert in pg_hba.conf) for Teleport';
          flush();
          client.end(errorResponse(why, '28000'));
          return done({ error: why, rest: Buffer.alloc(0) });
        }
        forward.push(m.raw);
        if (m.type === 'E') {
          flush();
          client.end();
          return done({ error: errorMessageOf(m.body), rest: Buffer.alloc(0) });
        }
        if (m.type === 'Z') {
          flush();
          const after = Buffer.concat([...msgs.slice(i + 1).map((x) => x.raw), split.rest()]);
          return done({ rest: after });
        }
      }
      flush();
    };
    server.on('data', onData);
    server.once('close', onClose);
  });
}

/** Relays until either side closes, recording the client's statements. */
function relay(s: DatabaseSession, client: Duplex, server: TLSSocket, pending: Buffer): Promise<void> {
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      client.off('data', onClient);
      if (!client.destroyed) client.end();
      server.end();
      setImmediate(() => server.destroy());
      resolve();
    };
    if (pending.length > 0) client.write(pending);
    server.on('data', (b: Buffer) => {
      if (!client.write(b)) {
        server.pause();
        client.once('drain', () => server.resume());
      }
    });
    server.resume();
    const statements = new Map<string, string>();
    const portals = new Map<string, { query: string; parameters: (string | null)[] }>();
    const split = new MessageSplitter();
    const onClient = (chunk: Buffer) => {
      let msgs: PgMessage[];
      try {
        msgs = split.push(chunk);
      } catch (err) {
        client.write(errorResponse((err as Error).message, sqlState(err)));
        void s.audit.queryFailed(err as Error);
        s.logger.info({ err: (err as Error).message }, 'database session ended: unreadable client message');
        return finish();
      }
      for (const m of msgs) record(s, m, statements, portals);
      if (!server.write(chunk)) {
        client.pause();
        server.once('drain', () => client.resume());
      }
    };
    client.on('data', onClient);
    client.once('end', finish);
    client.once('close', finish);
    server.once('end', finish);
    server.once('close', finish);
    client.resume();
  });
}

/** Audits one client message: Query, and Execute of a Parse'd and Bound statement. */
function record(s: DatabaseSession, m: PgMessage, statements: Map<string, string>, portals: Map<string, { query: string; parameters: (string | null)[] }>): void {
  try {
    switch (m.type) {
      case 'Q':
        void s.audit.query(parseQuery(m.body));
        return;
      case 'P': {
        const p = parseParse(m.body);
        statements.set(p.name, p.query);
        return;
      }
      case 'B': {
        const b = parseBind(m.body);
        portals.set(b.portal, { query: statements.get(b.statement) ?? '', parameters: b.parameters });
        return;
      }
      case 'E': {
        const portal = portals.get(parseExecute(m.body));
        if (portal) void s.audit.query(portal.query, portal.parameters);
        return;
      }
      default:
        return;
    }
  } catch (err) {
    // A message the server will refuse itself: relayed as is, not audited as a statement.
    s.logger.debug({ err: (err as Error).message, type: m.type }, 'unreadable PostgreSQL message');
  }
}
