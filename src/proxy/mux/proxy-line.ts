/**
 * PROXY protocol headers (HAProxy's v1 text line and v2 binary header) that a load balancer puts
 * before the client's bytes to name the real client (`proxy_service.proxy_protocol: on`).
 */
import { BadParameterError } from '../../api/errors.js';
import type { StreamReader } from './stream-reader.js';

/** The client a header names; undefined for `PROXY UNKNOWN` / a v2 LOCAL command (health checks). */
export type ProxySource = { address: string; port: number } | undefined;

/** Longest v1 line, CRLF included (the specification's bound). */
const V1_MAX = 107;

/**
 * Reads the rest of a v1 line (`PROXY TCP4 <src> <dst> <sport> <dport>\r\n`) whose first bytes
 * are `head`. Throws BadParameterError when malformed.
 */
export async function readProxyV1(head: Buffer, reader: StreamReader, deadlineMs: number): Promise<ProxySource> {
  const bytes: number[] = [...head];
  while (bytes.length < V1_MAX && bytes.at(-1) !== 0x0a) {
    const b = (await reader.read(1, deadlineMs))[0];
    bytes.push(b);
  }
  const line = Buffer.from(bytes).toString('latin1');
  if (!line.endsWith('\r\n')) throw new BadParameterError('invalid PROXY line: no CRLF within 107 bytes');
  const parts = line.slice(0, -2).split(' ');
  if (parts[1] === 'UNKNOWN') return undefined;
  if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6')) throw new BadParameterError(`invalid PROXY line: ${JSON.stringify(line.slice(0, -2))}`);
  const port = Number(parts[4]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BadParameterError('invalid PROXY line: bad source port');
  return { address: parts[2], port };
}

/** The v2 signature. */
const V2_MAGIC = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** Reads the rest of a v2 header whose first bytes are `first`. Throws BadParameterError when malformed. */
export async function readProxyV2(first: Buffer, reader: StreamReader, deadlineMs: number): Promise<ProxySource> {
  const head = Buffer.concat([first, await reader.read(16 - first.length, deadlineMs)]);
  if (!head.subarray(0, 12).equals(V2_MAGIC)) throw new BadParameterError('invalid PROXY v2 header: bad signature');
  const version = head[12] >> 4;
  const command = head[12] & 0x0f;
  if (version !== 2) throw new BadParameterError(`invalid PROXY v2 header: version ${version}`);
  const len = head.readUInt16BE(14);
  const body = len > 0 ? await reader.read(len, deadlineMs) : Buffer.alloc(0);
  // LOCAL: the balancer's own connection (a health check): no client to name.
  if (command === 0) return undefined;
  if (command !== 1) throw new BadParameterError(`invalid PROXY v2 header: command ${command}`);
  const family = head[13] >> 4;
  if (family === 1 && body.length >= 12) {
    return { address: [...body.subarray(0, 4)].join('.'), port: body.readUInt16BE(8) };
  }
  if (family === 2 && body.length >= 36) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(body.readUInt16BE(i).toString(16));
    return { address: groups.join(':'), port: body.readUInt16BE(32) };
  }
  // UNSPEC or unix sockets: the connection is the balancer's.
  return undefined;
}
