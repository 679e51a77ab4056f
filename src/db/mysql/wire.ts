/**
 * The MySQL client/server protocol's connection phase, as much as Teleport's proxy and agent
 * own (the handshake is small, and mysql2 cannot upgrade a server-side connection to TLS):
 * packets (3-byte length, sequence byte), the server greeting (HandshakeV10), the client's
 * SSLRequest and HandshakeResponse41, OK and ERR packets, and a splitter for the command phase.
 */
import { BadParameterError, LimitExceededError } from '../../api/errors.js';

/** Capability flags used here (MySQL's CLIENT_*). */
export const CLIENT = {
  LONG_PASSWORD: 0x1,
  FOUND_ROWS: 0x2,
  LONG_FLAG: 0x4,
  CONNECT_WITH_DB: 0x8,
  LOCAL_FILES: 0x80,
  PROTOCOL_41: 0x200,
  SSL: 0x800,
  TRANSACTIONS: 0x2000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PS_MULTI_RESULTS: 0x40000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
  DEPRECATE_EOF: 0x1000000,
} as const;

/**
 * What the proxy offers the client: what MySQL 5.7+ and MariaDB 10.2+ servers all support, so
 * the agent can ask the server for the same (no compression, no LOCAL INFILE, no session tracking).
 */
export const PROXY_CAPABILITIES =
  CLIENT.LONG_PASSWORD |
  CLIENT.FOUND_ROWS |
  CLIENT.LONG_FLAG |
  CLIENT.CONNECT_WITH_DB |
  CLIENT.PROTOCOL_41 |
  CLIENT.SSL |
  CLIENT.TRANSACTIONS |
  CLIENT.SECURE_CONNECTION |
  CLIENT.MULTI_STATEMENTS |
  CLIENT.MULTI_RESULTS |
  CLIENT.PS_MULTI_RESULTS |
  CLIENT.PLUGIN_AUTH |
  CLIENT.CONNECT_ATTRS |
  CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  CLIENT.DEPRECATE_EOF;

/** The auth plugin the proxy names, as Teleport's (the client's answer is not checked: the certificate is). */
export const AUTH_PLUGIN = 'mysql_native_password';
/** Teleport's server version when the database's real one is not known. */
export const DEFAULT_SERVER_VERSION = '8.0.0-Teleport';
/** Largest packet payload (a larger one continues in the next packet). */
export const MAX_PAYLOAD = 0xffffff;
/** Largest handshake packet accepted from a client. */
export const MAX_HANDSHAKE = 64 * 1024;
/** utf8mb4_general_ci. */
export const DEFAULT_CHARSET = 45;

/** Command bytes audited or acted on. */
export const COM = { QUIT: 0x01, INIT_DB: 0x02, QUERY: 0x03, CHANGE_USER: 0x11, STMT_PREPARE: 0x16, STMT_EXECUTE: 0x17, STMT_CLOSE: 0x19 } as const;

/** One packet: its sequence number and payload, and the bytes as read. */
export interface MysqlPacket {
  seq: number;
  payload: Buffer;
  raw: Buffer;
}

/** A packet with `payload` at sequence `seq`. */
export function packet(seq: number, payload: Buffer): Buffer {
  if (payload.length >= MAX_PAYLOAD) throw new LimitExceededError(`a MySQL packet of ${payload.length} bytes is over the single-packet bound`);
  const head = Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, (payload.length >> 16) & 0xff, seq & 0xff]);
  return Buffer.concat([head, payload]);
}

/**
 * Splits a byte stream into packets, each bounded by `max` bytes of payload. Chunks are kept as
 * they came until a whole packet is there, so a large packet is copied once, not per chunk.
 */
export class PacketSplitter {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max = MAX_PAYLOAD) {}

  push(chunk: Buffer): MysqlPacket[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const out: MysqlPacket[] = [];
    while (this.size >= 4) {
      const head = this.peek(4);
      const len = head.readUIntLE(0, 3);
      if (len > this.max) throw new LimitExceededError(`a MySQL packet of ${len} bytes is over the ${this.max}-byte bound`);
      if (this.size < 4 + len) break;
      const raw = this.take(4 + len);
      out.push({ seq: raw[3], payload: raw.subarray(4), raw });
    }
    return out;
  }

  /** The bytes not yet forming a whole packet. */
  rest(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, n);
  }

  private take(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    const first = this.chunks[0];
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.size -= n;
    return out;
  }
}

/** The server greeting (protocol 10). */
export interface Greeting {
  serverVersion: string;
  connectionId: number;
  /** The 20-byte scramble. */
  scramble: Buffer;
  capabilities: number;
  charset: number;
  status: number;
  authPlugin: string;
}

/** Encodes a HandshakeV10 payload. */
export function encodeGreeting(g: Greeting): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(g.connectionId >>> 0, 0);
  const mid = Buffer.alloc(1 + 2 + 1 + 2 + 2 + 1 + 10);
  mid[0] = 0;
  mid.writeUInt16LE(g.capabilities & 0xffff, 1);
  mid[3] = g.charset;
  mid.writeUInt16LE(g.status, 4);
  mid.writeUInt16LE((g.capabilities >>> 16) & 0xffff, 6);
  mid[8] = g.scramble.length + 1;
  return Buffer.concat([
    Buffer.from([10]),
    cstr(g.serverVersion),
    head,
    g.scramble.subarray(0, 8),
    mid,
    g.scramble.subarray(8),
    Buffer.from([0]),
    cstr(g.authPlugin),
  ]);
}

/** Reads a server's first packet: the greeting, or the ERR a server refusing the host sends. */
export function parseGreeting(p: Buffer): Greeting {
  if (p[0] === 0xff) throw new BadParameterError(`the database refused the connection: ${parseError(p).message}`);
  if (p[0] !== 10) throw new BadParameterError(`not a MySQL protocol 10 greeting (first byte ${p[0]})`);
  const r = new Reader(p, 1);
  const serverVersion = r.cstr();
  const connectionId = r.u32();
  const part1 = r.bytes(8);
  r.skip(1);
  let capabilities = r.u16();
  const charset = r.u8();
  const status = r.u16();
  capabilities |= r.u16() << 16;
  const authLen = r.u8();
  r.skip(10);
  let part2: Buffer = Buffer.alloc(0);
  if (capabilities & CLIENT.SECURE_CONNECTION) {
    part2 = r.bytes(Math.max(13, authLen - 8));
    if (part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1);
  }
  const authPlugin = capabilities & CLIENT.PLUGIN_AUTH && !r.done() ? r.cstrOrRest() : AUTH_PLUGIN;
  return { serverVersion, connectionId, scramble: Buffer.concat([part1, part2]), capabilities: capabilities >>> 0, charset, status, authPlugin };
}

/** The client's SSLRequest or HandshakeResponse41, decoded. */
export interface HandshakeResponse {
  capabilities: number;
  maxPacket: number;
  charset: number;
  /** Absent in an SSLRequest (which ends after the fixed 32 bytes). */
  user?: string;
  authResponse?: Buffer;
  database?: string;
  authPlugin?: string;
  /** The connection attributes block as sent (length-encoded), when CLIENT_CONNECT_ATTRS. */
  attrs?: Buffer;
}

/** Reads an SSLRequest (32 bytes) or a HandshakeResponse41. Throws BadParameterError when malformed. */
export function parseHandshakeResponse(p: Buffer): HandshakeResponse {
  if (p.length < 32) throw new BadParameterError(`a MySQL handshake response of ${p.length} bytes is too short`);
  const r = new Reader(p, 0);
  const capabilities = r.u32();
  if (!(capabilities & CLIENT.PROTOCOL_41)) throw new BadParameterError('the client does not speak the 4.1 protocol (CLIENT_PROTOCOL_41)');
  const maxPacket = r.u32();
  const charset = r.u8();
  r.skip(23);
  if (r.done()) return { capabilities, maxPacket, charset };
  const user = r.cstr();
  let authResponse: Buffer;
  if (capabilities & CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = r.bytes(r.lenenc());
  else if (capabilities & CLIENT.SECURE_CONNECTION) authResponse = r.bytes(r.u8());
  else authResponse = Buffer.from(r.cstr(), 'latin1');
  const database = capabilities & CLIENT.CONNECT_WITH_DB && !r.done() ? r.cstr() : undefined;
  const authPlugin = capabilities & CLIENT.PLUGIN_AUTH && !r.done() ? r.cstrOrRest() : undefined;
  const attrs = capabilities & CLIENT.CONNECT_ATTRS && !r.done() ? r.rest() : undefined;
  return { capabilities, maxPacket, charset, user, authResponse, database, authPlugin, attrs };
}

/** Encodes a HandshakeResponse41 (or, without `user`, an SSLRequest). */
export function encodeHandshakeResponse(h: HandshakeResponse): Buffer {
  const fixed = Buffer.alloc(32);
  fixed.writeUInt32LE(h.capabilities >>> 0, 0);
  fixed.writeUInt32LE(h.maxPacket >>> 0, 4);
  fixed[8] = h.charset;
  if (h.user === undefined) return fixed;
  const auth = h.authResponse ?? Buffer.alloc(0);
  const parts = [fixed, cstr(h.user)];
  if (h.capabilities & CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA) parts.push(lenenc(auth.length), auth);
  else parts.push(Buffer.from([auth.length]), auth);
  if (h.capabilities & CLIENT.CONNECT_WITH_DB) parts.push(cstr(h.database ?? ''));
  if (h.capabilities & CLIENT.PLUGIN_AUTH) parts.push(cstr(h.authPlugin ?? AUTH_PLUGIN));
  if (h.capabilities & CLIENT.CONNECT_ATTRS) parts.push(h.attrs ?? Buffer.from([0]));
  return Buffer.concat(parts);
}

/** An OK packet payload (no rows, no insert id, autocommit status). */
export function okPayload(status = 0x0002): Buffer {
  const b = Buffer.from([0x00, 0, 0, 0, 0, 0, 0]);
  b.writeUInt16LE(status, 3);
  return b;
}

/**
 * An ERR packet payload: `code`, then with the 4.1 protocol the SQLSTATE marker and state, then
 * the message (the mysql/mariadb client prints `ERROR <code> (<state>): <message>`).
 */
export function errorPayload(code: number, message: string, sqlState = 'HY000', protocol41 = true): Buffer {
  const head = Buffer.from([0xff, code & 0xff, (code >> 8) & 0xff]);
  const state = protocol41 ? Buffer.from(`#${sqlState.padEnd(5, '0').slice(0, 5)}`, 'latin1') : Buffer.alloc(0);
  return Buffer.concat([head, state, Buffer.from(message, 'utf8')]);
}

/** Reads an ERR packet payload. */
export function parseError(p: Buffer): { code: number; sqlState?: string; message: string } {
  const code = p.length >= 3 ? p.readUInt16LE(1) : 0;
  if (p[3] === 0x23 && p.length >= 9) return { code, sqlState: p.subarray(4, 9).toString('latin1'), message: p.subarray(9).toString('utf8') };
  return { code, message: p.subarray(3).toString('utf8') };
}

/** The text of a COM_QUERY or COM_STMT_PREPARE payload (after the command byte). */
export function commandText(p: Buffer): string {
  return p.subarray(1).toString('utf8');
}

function cstr(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

function lenenc(n: number): Buffer {
  if (n < 251) return Buffer.from([n]);
  if (n < 0x10000) return Buffer.from([0xfc, n & 0xff, n >> 8]);
  if (n < 0x1000000) return Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
  const b = Buffer.alloc(9);
  b[0] = 0xfe;
  b.writeBigUInt64LE(BigInt(n), 1);
  return b;
}

/** A bounds-checked cursor over one payload. */
class Reader {
  constructor(
    private readonly b: Buffer,
    private at: number,
  ) {}
  done(): boolean {
    return this.at >= this.b.length;
  }
  private need(n: number): void {
    if (this.at + n > this.b.length) throw new BadParameterError('a truncated MySQL packet');
  }
  u8(): number {
    this.need(1);
    return this.b[this.at++];
  }
  u16(): number {
    this.need(2);
    const v = this.b.readUInt16LE(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.b.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.at += n;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  rest(): Buffer {
    const v = this.b.subarray(this.at);
    this.at = this.b.length;
    return v;
  }
  cstr(): string {
    const end = this.b.indexOf(0, this.at);
    if (end < 0) throw new BadParameterError('a MySQL string without its terminator');
    const v = this.b.subarray(this.at, end).toString('utf8');
    this.at = end + 1;
    return v;
  }
  /** A NUL-terminated string, or the rest when a client leaves off the terminator. */
  cstrOrRest(): string {
    const end = this.b.indexOf(0, this.at);
    return end < 0 ? this.rest().toString('utf8') : this.cstr();
  }
  lenenc(): number {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) {
      this.need(3);
      const v = this.b.readUIntLE(this.at, 3);
      this.at += 3;
      return v;
    }
    if (first === 0xfe) {
      this.need(8);
      const v = Number(this.b.readBigUInt64LE(this.at));
      this.at += 8;
      return v;
    }
    throw new BadParameterError(`a bad MySQL length-encoded integer (first byte ${first})`);
  }
}
