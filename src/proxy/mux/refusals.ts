/**
 * What a client of a protocol with no registered handler is told, in its own protocol so its
 * tool prints it: a PostgreSQL ErrorResponse (psql shows `FATAL:  database access is not enabled
 * on this proxy`), a MySQL ERR packet, an HTTP 403 for Kubernetes (kubectl shows `Error from
 * server (Forbidden): kubernetes access is not enabled on this proxy`); anything else is ended.
 * Each refusal logs one line.
 */
import { createServer as createHttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RoutedProtocol } from '../../api/alpn.js';
import type { Logger } from '../../log/index.js';
import type { ProtocolHandler, RoutedConnection } from './registry.js';
import { StreamReader } from './stream-reader.js';

/** How long a refused client may take for each step before it is dropped. */
const STEP_MS = 10_000;

const DB_MESSAGE = 'database access is not enabled on this proxy';
const KUBE_MESSAGE = 'kubernetes access is not enabled on this proxy';

/** The refusal of `protocol`: what a connection gets when no handler is registered for it. */
export function refusalFor(protocol: RoutedProtocol, logger: Logger): ProtocolHandler {
  const log = (conn: RoutedConnection, msg: string, extra: Record<string, unknown> = {}) =>
    logger.info({ protocol, listener: conn.listener, remote_addr: `${conn.remoteAddress}:${conn.remotePort}`, ...extra }, msg);
  switch (protocol) {
    case 'postgres':
      return (stream, conn) => {
        refusePostgres(stream, conn, DB_MESSAGE).then(
          (step) => log(conn, 'no PostgreSQL handler on this proxy: told the client database access is not enabled', { step }),
          (err: unknown) => {
            stream.destroy();
            log(conn, 'no PostgreSQL handler on this proxy: connection ended', { err: (err as Error).message });
          },
        );
      };
    case 'mysql':
      return (stream, conn) => {
        stream.on('error', () => {});
        stream.end(mysqlError(1105, `${DB_MESSAGE}`));
        log(conn, 'no MySQL handler on this proxy: told the client database access is not enabled');
      };
    case 'kube':
      return (stream, conn) => {
        refuseKube(stream, KUBE_MESSAGE);
        log(conn, 'no Kubernetes handler on this proxy: answering requests with 403, access not enabled');
      };
    default:
      return (stream, conn) => {
        stream.destroy();
        log(conn, 'no handler for this protocol on this proxy: connection ended');
      };
  }
}

const PG_SSL_CODE = 80877103;
const PG_GSSENC_CODE = 80877104;
const PG_CANCEL_CODE = 80877102;
/** Largest startup packet accepted (PostgreSQL's own limit is 10,000 bytes). */
const PG_MAX_STARTUP = 10_000;

/**
 * Answers PostgreSQL's pre-startup requests (GSSENCRequest 'N'; SSLRequest 'S' and TLS on a
 * plain connection, 'N' inside TLS), then the startup message with a FATAL ErrorResponse.
 * Resolves with the last step the client reached; rejects when it misbehaves or stalls.
 */
export async function refusePostgres(stream: Duplex, conn: RoutedConnection, message: string): Promise<string> {
  let s = stream;
  let tls = conn.transport === 'tls';
  let reader = new StreamReader(s);
  s.on('error', () => {});
  for (let step = 0; step < 4; step++) {
    const len = (await reader.read(4, STEP_MS)).readUInt32BE(0);
    if (len < 8 || len > PG_MAX_STARTUP) throw new Error(`not a PostgreSQL startup packet (length ${len})`);
    const body = await reader.read(len - 4, STEP_MS);
    const code = body.readUInt32BE(0);
    if (code === PG_GSSENC_CODE) {
      s.write('N');
      continue;
    }
    if (code === PG_SSL_CODE) {
      if (tls) {
        s.write('N');
        continue;
      }
      s.write('S');
      // The client waits for the answer: anything it sent ahead is not PostgreSQL.
      if (reader.detach().length > 0) throw new Error('the client sent data before its SSLRequest was answered');
      s = await conn.startTLS(s);
      s.on('error', () => {});
      tls = true;
      reader = new StreamReader(s);
      continue;
    }
    if (code === PG_CANCEL_CODE) {
      s.end();
      return 'cancel request';
    }
    s.end(pgErrorResponse(message));
    return 'startup';
  }
  throw new Error('too many PostgreSQL negotiation requests');
}

/** A PostgreSQL ErrorResponse of severity FATAL, SQLSTATE 08004 (server rejected the connection). */
export function pgErrorResponse(message: string): Buffer {
  const fields = Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', '08004'), field('M', message), Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeUInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

function field(type: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(type), Buffer.from(value, 'utf8'), Buffer.from([0])]);
}

/**
 * A MySQL ERR packet sent in place of the server greeting (sequence 0), as a server refusing a
 * host does: no SQLSTATE marker, since no capabilities are agreed yet.
 */
export function mysqlError(code: number, message: string): Buffer {
  const payload = Buffer.concat([Buffer.from([0xff, code & 0xff, code >> 8]), Buffer.from(message, 'utf8')]);
  const head = Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, (payload.length >> 16) & 0xff, 0]);
  return Buffer.concat([head, payload]);
}

/**
 * Serves HTTP on `stream` answering every request 403 with the message as text: kubectl prints a
 * text body as is (`Error from server (Forbidden): <message>`), while its discovery requests turn
 * a JSON Status or a 503 into a generic line that hides the reason.
 */
function refuseKube(stream: Duplex, message: string): void {
  const server = createHttpServer((req, res) => {
    const body = `${message}\n`;
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
    req.resume();
  });
  server.headersTimeout = STEP_MS;
  server.requestTimeout = STEP_MS;
  stream.on('error', () => {});
  server.emit('connection', stream);
}
