/**
 * The few PostgreSQL protocol 3.0 messages the proxy and the engine read or write: startup
 * packets (SSLRequest, GSSENCRequest, CancelRequest, StartupMessage), typed messages split from
 * a byte stream, ErrorResponse, and the query-carrying frontend messages (Query, Parse, Bind).
 */
import { BadParameterError, LimitExceededError } from '../../api/errors.js';

export const PG_PROTOCOL_3 = 196608;
export const PG_SSL_REQUEST = 80877103;
export const PG_GSSENC_REQUEST = 80877104;
export const PG_CANCEL_REQUEST = 80877102;
/** PostgreSQL's own bound on a startup packet. */
export const PG_MAX_STARTUP = 10_000;
/** Largest frontend message parsed for audit; a larger one ends the session with an error. */
export const PG_MAX_MESSAGE = 64 * 1024 * 1024;

/** A startup packet: its code and, for a StartupMessage, its parameters. */
export interface StartupPacket {
  code: number;
  params: Record<string, string>;
  /** The whole packet as received. */
  raw: Buffer;
  /** CancelRequest: the backend's process ID and secret key. */
  cancel?: { pid: number; secret: number };
}

/** Parses a startup packet body (after its length). Throws BadParameterError for a malformed one. */
export function parseStartup(raw: Buffer): StartupPacket {
  if (raw.length < 8) throw new BadParameterError('truncated PostgreSQL startup packet');
  const code = raw.readUInt32BE(4);
  const params: Record<string, string> = {};
  if (code === PG_CANCEL_REQUEST) {
    if (raw.length !== 16) throw new BadParameterError('malformed PostgreSQL CancelRequest');
    return { code, params, raw, cancel: { pid: raw.readUInt32BE(8), secret: raw.readUInt32BE(12) } };
  }
  if (code !== PG_PROTOCOL_3) return { code, params, raw };
  const parts = raw.subarray(8).toString('utf8').split('\0');
  // Name/value pairs, then one empty string (and the split's trailing empty piece).
  if (parts.length < 2 || parts[parts.length - 1] !== '' || parts[parts.length - 2] !== '') throw new BadParameterError('malformed PostgreSQL StartupMessage');
  const kv = parts.slice(0, -2);
  if (kv.length % 2 !== 0) throw new BadParameterError('malformed PostgreSQL StartupMessage: a parameter without a value');
  for (let i = 0; i < kv.length; i += 2) params[kv[i]] = kv[i + 1];
  return { code, params, raw };
}

/** A StartupMessage (protocol 3.0) with `params`. */
export function encodeStartup(params: Record<string, string>): Buffer {
  const body = Buffer.from(Object.entries(params).map(([k, v]) => `${k}\0${v}\0`).join('') + '\0', 'utf8');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8, 0);
  head.writeUInt32BE(PG_PROTOCOL_3, 4);
  return Buffer.concat([head, body]);
}

/** An SSLRequest packet. */
export function sslRequest(): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(8, 0);
  b.writeUInt32BE(PG_SSL_REQUEST, 4);
  return b;
}

/**
 * An ErrorResponse: severity FATAL by default, SQLSTATE `code` (28000 invalid authorization,
 * 08006 connection failure, 54000 program limit exceeded, ...).
 */
export function errorResponse(message: string, code = '28000', severity = 'FATAL'): Buffer {
  const f = (t: string, v: string) => Buffer.concat([Buffer.from(t), Buffer.from(v.replace(/\0/g, ''), 'utf8'), Buffer.from([0])]);
  const fields = Buffer.concat([f('S', severity), f('V', severity), f('C', code), f('M', message), Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeUInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

/** The `M` (message) field of an ErrorResponse body. */
export function errorMessageOf(body: Buffer): string {
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const type = String.fromCharCode(body[i]);
    const end = body.indexOf(0, i + 1);
    if (end < 0) break;
    if (type === 'M') return body.subarray(i + 1, end).toString('utf8');
    i = end + 1;
  }
  return 'unknown error';
}

/** One typed message: its type byte, body, and the whole message as it came. */
export interface PgMessage {
  type: string;
  body: Buffer;
  raw: Buffer;
}

/** Splits a byte stream into typed messages (`type`, int32 length, body). */
export class MessageSplitter {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly max = PG_MAX_MESSAGE) {}

  /** Adds bytes; returns the messages completed. Throws LimitExceededError past `max`. */
  push(chunk: Buffer): PgMessage[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: PgMessage[] = [];
    for (;;) {
      if (this.buf.length < 5) break;
      const len = this.buf.readUInt32BE(1);
      if (len < 4) throw new BadParameterError(`malformed PostgreSQL message (length ${len})`);
      if (len > this.max) throw new LimitExceededError(`a PostgreSQL message of ${len} bytes is over the ${this.max}-byte limit`);
      if (this.buf.length < len + 1) break;
      const raw = this.buf.subarray(0, len + 1);
      out.push({ type: String.fromCharCode(raw[0]), body: raw.subarray(5), raw });
      this.buf = this.buf.subarray(len + 1);
    }
    return out;
  }

  /** Bytes received past the last whole message. */
  rest(): Buffer {
    return this.buf;
  }
}

/** A NUL-terminated string at `at`; returns it and the offset after the NUL. */
function cstring(b: Buffer, at: number): [string, number] {
  const end = b.indexOf(0, at);
  if (end < 0) throw new BadParameterError('malformed PostgreSQL message: unterminated string');
  return [b.subarray(at, end).toString('utf8'), end + 1];
}

/** Query ('Q'): the statement text. */
export function parseQuery(body: Buffer): string {
  return cstring(body, 0)[0];
}

/** Parse ('P'): the statement name and its text. */
export function parseParse(body: Buffer): { name: string; query: string } {
  const [name, at] = cstring(body, 0);
  const [query] = cstring(body, at);
  return { name, query };
}

/** Bind ('B'): the portal, the statement and its parameters (text ones as text, binary ones as hex). */
export function parseBind(body: Buffer): { portal: string; statement: string; parameters: (string | null)[] } {
  const [portal, afterPortal] = cstring(body, 0);
  const [statement, afterStatement] = cstring(body, afterPortal);
  let at = afterStatement;
  const nFormats = body.readUInt16BE(at);
  at += 2;
  const formats: number[] = [];
  for (let i = 0; i < nFormats; i++, at += 2) formats.push(body.readUInt16BE(at));
  const nParams = body.readUInt16BE(at);
  at += 2;
  const parameters: (string | null)[] = [];
  for (let i = 0; i < nParams; i++) {
    const len = body.readInt32BE(at);
    at += 4;
    if (len < 0) {
      parameters.push(null);
      continue;
    }
    const v = body.subarray(at, at + len);
    at += len;
    const binary = (formats.length === 1 ? formats[0] : formats[i] ?? 0) === 1;
    parameters.push(binary ? `\\x${v.toString('hex')}` : v.toString('utf8'));
  }
  return { portal, statement, parameters };
}

/** Execute ('E'): the portal. */
export function parseExecute(body: Buffer): string {
  return cstring(body, 0)[0];
}
