/**
 * What a connection speaks, from its first bytes (Teleport's `lib/multiplexer` rules): a TLS
 * record, an HTTP method, SSH's version line, a PostgreSQL SSLRequest, GSSENCRequest,
 * CancelRequest or (plain) StartupMessage, or a PROXY protocol header a load balancer put in front.
 */

/** Bytes needed to decide (every protocol above sends at least this many first). */
export const DETECT_BYTES = 8;

/** A first-bytes verdict. */
export type Detected = 'tls' | 'http' | 'ssh' | 'postgres' | 'proxy-v1' | 'proxy-v2' | 'unknown';

/** PostgreSQL's SSLRequest: length 8, code 80877103. */
export const PG_SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
/** PostgreSQL's GSSENCRequest: length 8, code 80877104. */
export const PG_GSSENC_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]);
/** PostgreSQL's CancelRequest: length 16, code 80877102. */
export const PG_CANCEL_REQUEST = Buffer.from([0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e]);

const PG_PROTOCOL_3 = 196608;
const PROXY_V2_MAGIC = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'].map((m) => Buffer.from(`${m} `));

/** Decides from the first DETECT_BYTES bytes (fewer: 'unknown'). */
export function detect(head: Buffer): Detected {
  if (head.length < DETECT_BYTES) return 'unknown';
  // A TLS handshake record (type 22) with a major version of 3.
  if (head[0] === 0x16 && head[1] === 0x03) return 'tls';
  if (startsWith(head, Buffer.from('SSH-'))) return 'ssh';
  if (startsWith(head, Buffer.from('PROXY '))) return 'proxy-v1';
  if (startsWith(head, PROXY_V2_MAGIC.subarray(0, DETECT_BYTES))) return 'proxy-v2';
  if (HTTP_METHODS.some((m) => startsWith(head, m))) return 'http';
  const first = head.subarray(0, DETECT_BYTES);
  if (first.equals(PG_SSL_REQUEST) || first.equals(PG_GSSENC_REQUEST) || first.equals(PG_CANCEL_REQUEST)) return 'postgres';
  // A StartupMessage of protocol 3.0 (a client with sslmode=disable), so it is told why it is refused.
  const len = head.readUInt32BE(0);
  if (len >= 9 && len <= 10_000 && head.readUInt32BE(4) === PG_PROTOCOL_3) return 'postgres';
  return 'unknown';
}

/** The first bytes as hex, for a log line about a connection nobody could read. */
export function hexPrefix(head: Buffer): string {
  return head.subarray(0, 16).toString('hex');
}

function startsWith(buf: Buffer, prefix: Buffer): boolean {
  return buf.length >= prefix.length && buf.subarray(0, prefix.length).equals(prefix);
}
