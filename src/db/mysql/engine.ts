/**
 * The MySQL engine (Teleport's lib/srv/db/mysql Engine), for MySQL and MariaDB: reads the
 * client's HandshakeResponse the proxy passed on (after its own greeting and TLS), authorizes the
 * database user and name it names, logs in to the database over TLS with a `db` CA client
 * certificate whose CN is that user (`REQUIRE SUBJECT '/CN=<user>'` or `REQUIRE X509`, no
 * password), answers the client OK (or the database's ERR), then relays, recording COM_QUERY.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { AccessDeniedError, ConnectionProblemError, TeleportError, isCode } from '../../api/errors.js';
import type { DatabaseConfig } from '../../config/index.js';
import type { DatabaseSession, Engine } from '../engine.js';
import { rdsAuthToken } from '../rds-iam.js';
import { readExact } from '../read-exact.js';
import {
  CLIENT,
  COM,
  MAX_HANDSHAKE,
  PROXY_CAPABILITIES,
  PacketSplitter,
  commandText,
  encodeHandshakeResponse,
  errorPayload,
  packet,
  parseError,
  parseGreeting,
  parseHandshakeResponse,
  type Greeting,
  type HandshakeResponse,
  type MysqlPacket,
} from './wire.js';

/** Bound on each step of connecting (the handshake, the database's TCP, TLS and login). */
const STEP_MS = 15_000;

/** MySQL error code and SQLSTATE of each refusal kind, as the client prints them. */
function errorCode(err: unknown): [number, string] {
  if (isCode(err, 'access_denied')) return [1045, '28000'];
  if (isCode(err, 'not_found')) return [1049, '42000'];
  return [2013, 'HY000'];
}

/** An ERR packet for `err` at sequence `seq`. */
export function mysqlErrorPacket(seq: number, err: Error): Buffer {
  const [code, state] = errorCode(err);
  return packet(seq, errorPayload(code, err.message, state));
}

/** Reads one whole packet (header and payload) from the front of `stream`. */
export async function readPacket(stream: Duplex, max = MAX_HANDSHAKE): Promise<MysqlPacket> {
  const head = await readExact(stream, 4, STEP_MS);
  const len = head.readUIntLE(0, 3);
  if (len > max) throw new ConnectionProblemError(`a MySQL handshake packet of ${len} bytes is over ${max}`);
  const payload = len > 0 ? await readExact(stream, len, STEP_MS) : Buffer.alloc(0);
  return { seq: head[3], payload, raw: Buffer.concat([head, payload]) };
}

/** The client-side plugin that sends the password as is (RDS IAM logins, over TLS). */
const CLEAR_PASSWORD = 'mysql_clear_password';

/** The plugin an AuthSwitchRequest (0xfe, plugin name NUL, data) names. */
function switchPlugin(payload: Buffer): string {
  const end = payload.indexOf(0, 1);
  return payload.subarray(1, end < 0 ? payload.length : end).toString('latin1');
}

/** The MySQL engine. */
export class MysqlEngine implements Engine {
  readonly protocol = 'mysql';

  /** Before a handshake is read: the ERR at sequence 3 (after the greeting, SSLRequest, response). */
  sendError(client: Duplex, err: Error): void {
    client.end(mysqlErrorPacket(3, err));
  }

  /** The database's server version from its greeting (TCP only: the greeting comes before TLS). */
  async probe(database: DatabaseConfig): Promise<Record<string, unknown>> {
    const sock = await dialTCP(database);
    try {
      const g = parseGreeting((await readPacket(sock)).payload);
      return { mysql: { server_version: g.serverVersion } };
    } finally {
      sock.destroy();
    }
  }

  async handleConnection(s: DatabaseSession, client: Duplex): Promise<void> {
    const hs = await readPacket(client);
    const reply = hs.seq + 1;
    let resp: HandshakeResponse;
    try {
      resp = parseHandshakeResponse(hs.payload);
    } catch (err) {
      return void client.end(mysqlErrorPacket(reply, err as Error));
    }
    const dbUser = resp.user || s.hello.route_user || '';
    const dbName = resp.database || s.hello.route_database || '';
    try {
      await s.authorize(dbUser, dbName);
    } catch (err) {
      await s.audit.start(dbUser, dbName, err as Error);
      s.logger.info({ db_user: dbUser, db_name: dbName, err: (err as Error).message }, 'database connection refused');
      return void client.end(mysqlErrorPacket(reply, err as Error));
    }
    let server: TLSSocket;
    let ok: Buffer;
    try {
      ({ server, ok } = await this.login(s, resp, dbUser, dbName));
    } catch (err) {
      const e =
        err instanceof DatabaseRefusal
          ? err
          : new ConnectionProblemError(`failed to connect to database "${s.database.name}": ${err instanceof TeleportError ? err.message : (err as Error).message}`, { cause: err });
      await s.audit.start(dbUser, dbName, e);
      s.logger.info({ db_user: dbUser, db_name: dbName, err: e.message }, 'database login failed');
      client.end(e instanceof DatabaseRefusal ? packet(reply, e.payload) : mysqlErrorPacket(reply, e));
      return;
    }
    client.write(packet(reply, ok));
    await s.audit.start(dbUser, dbName);
    await relay(s, client, server);
    await s.audit.end();
  }

  /** TCP, the greeting, SSLRequest, TLS with the certificate for `dbUser`, the login; the server's OK payload. */
  private async login(s: DatabaseSession, resp: HandshakeResponse, dbUser: string, dbName: string): Promise<{ server: TLSSocket; ok: Buffer }> {
    const tcp = await dialTCP(s.database);
    let tls: TLSSocket | undefined;
    try {
      const greeting: Greeting = parseGreeting((await readPacket(tcp)).payload);
      if (!(greeting.capabilities & CLIENT.SSL)) {
        throw new ConnectionProblemError(`the database at ${s.database.uriText} does not offer TLS: set ssl-ca, ssl-cert and ssl-key (from tctl auth sign --format=db) in its configuration`);
      }
      const wanted = resp.capabilities & PROXY_CAPABILITIES;
      const lacking = wanted & ~greeting.capabilities & (CLIENT.DEPRECATE_EOF | CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA | CLIENT.MULTI_RESULTS);
      if (lacking) throw new ConnectionProblemError(`the database lacks capabilities the client asked for (0x${lacking.toString(16)}): MySQL 5.7+ or MariaDB 10.2+ is needed`);
      let capabilities = (wanted & (greeting.capabilities | CLIENT.LONG_PASSWORD)) | CLIENT.SSL | CLIENT.PROTOCOL_41 | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH;
      // RDS/Aurora (aws.region): the IAM auth token is the password, in clear (mysql_clear_password) inside TLS.
      const token = s.database.aws ? await rdsAuthToken(s.database, dbUser) : undefined;
      const cleartext = token !== undefined ? Buffer.from(`${token}\0`) : undefined;
      // A token is longer than the one-byte length: sent in the response only with length-encoded auth data.
      const inResponse = cleartext !== undefined && (greeting.capabilities & CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA) !== 0;
      if (inResponse) capabilities |= CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA;
      if (dbName) capabilities |= CLIENT.CONNECT_WITH_DB;
      else capabilities &= ~CLIENT.CONNECT_WITH_DB;
      const base = { capabilities, maxPacket: resp.maxPacket || 0x1000000, charset: resp.charset };
      tcp.write(packet(1, encodeHandshakeResponse(base)));
      const options = await s.tlsOptions(dbUser);
      tls = await startTLS(tcp, options);
      tls.write(
        packet(
          2,
          encodeHandshakeResponse({
            ...base,
            user: dbUser,
            authResponse: inResponse ? cleartext : Buffer.alloc(0),
            database: dbName,
            authPlugin: cleartext !== undefined ? CLEAR_PASSWORD : greeting.authPlugin,
            attrs: capabilities & CLIENT.CONNECT_ATTRS ? (resp.attrs ?? Buffer.from([0])) : undefined,
          }),
        ),
      );
      for (let step = 0; step < 4; step++) {
        const answer = await readPacket(tls, 0xffffff);
        switch (answer.payload[0]) {
          case 0x00:
            return { server: tls, ok: answer.payload };
          case 0xff:
            throw new DatabaseRefusal(answer.payload);
          case 0xfe:
            // AuthSwitchRequest: the IAM token to mysql_clear_password; a user without a password answers any plugin with nothing.
            tls.write(packet(answer.seq + 1, cleartext !== undefined && switchPlugin(answer.payload) === CLEAR_PASSWORD ? cleartext : Buffer.alloc(0)));
            continue;
          case 0x01:
            // caching_sha2_password: 3 is "fast auth done" (an OK follows), 4 asks for the password.
            if (answer.payload[1] === 3) continue;
            throw new ConnectionProblemError(`the database asked for a password for "${dbUser}": create the user with REQUIRE SUBJECT '/CN=${dbUser}' (or REQUIRE X509) and no password for Teleport`);
          default:
            throw new ConnectionProblemError(`an unexpected MySQL login answer (first byte ${answer.payload[0]})`);
        }
      }
      throw new ConnectionProblemError('the database did not finish the login');
    } catch (err) {
      tls?.destroy();
      tcp.destroy();
      throw err;
    }
  }
}

/** The database's own ERR to the login, passed to the client as is. */
class DatabaseRefusal extends ConnectionProblemError {
  constructor(readonly payload: Buffer) {
    super(`the database refused the login: ${parseError(payload).message}`);
  }
}

function dialTCP(database: DatabaseConfig): Promise<Socket> {
  const { host, port } = database.uri;
  return new Promise<Socket>((resolve, reject) => {
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
      sock.on('error', () => {});
      sock.setNoDelay(true);
      resolve(sock);
    });
  });
}

function startTLS(tcp: Socket, options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise<TLSSocket>((resolve, reject) => {
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
      resolve(tls);
    });
  });
}

/** Audits one client command: COM_QUERY as db.session.query, prepared statements and USE as Teleport's MySQL events. */
function record(s: DatabaseSession, p: Buffer): void {
  switch (p[0]) {
    case COM.QUERY:
      return void s.audit.query(commandText(p));
    case COM.STMT_PREPARE:
      return void s.audit.mysql({ kind: 'prepare', query: commandText(p) });
    case COM.STMT_EXECUTE:
      if (p.length >= 5) void s.audit.mysql({ kind: 'execute', statementId: p.readUInt32LE(1) });
      return;
    case COM.STMT_CLOSE:
      if (p.length >= 5) void s.audit.mysql({ kind: 'close', statementId: p.readUInt32LE(1) });
      return;
    case COM.INIT_DB:
      return void s.audit.mysql({ kind: 'init_db', schema: commandText(p) });
    default:
      return;
  }
}

/** Relays until either side closes, recording the client's COM_QUERY statements. */
function relay(s: DatabaseSession, client: Duplex, server: TLSSocket): Promise<void> {
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
    server.on('data', (b: Buffer) => {
      if (!client.write(b)) {
        server.pause();
        client.once('drain', () => server.resume());
      }
    });
    server.resume();
    const split = new PacketSplitter();
    const onClient = (chunk: Buffer) => {
      let packets: MysqlPacket[];
      try {
        packets = split.push(chunk);
      } catch (err) {
        client.write(mysqlErrorPacket(1, err as Error));
        void s.audit.queryFailed(err as Error);
        s.logger.info({ err: (err as Error).message }, 'database session ended: unreadable client packet');
        return finish();
      }
      // A command starts at sequence 0; its continuation packets follow with higher numbers.
      const forward: Buffer[] = [];
      for (const p of packets) {
        if (p.seq === 0 && p.payload[0] === COM.CHANGE_USER) {
          // Another database user on this connection would bypass the RBAC check of the login.
          const err = new AccessDeniedError('changing the database user within a session is not allowed by Teleport: connect again as that user (tsh db login --db-user)');
          client.write(mysqlErrorPacket(1, err));
          void s.audit.queryFailed(err);
          continue;
        }
        if (p.seq === 0) record(s, p.payload);
        forward.push(p.raw);
      }
      if (forward.length > 0 && !server.write(forward.length === 1 ? forward[0] : Buffer.concat(forward))) {
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
