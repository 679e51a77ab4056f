/**
 * The `source-address` critical option: a comma list of IPv4/IPv6 addresses and CIDR blocks,
 * parsed as strictly as OpenSSH's addr_match_cidr_list (no spaces, no host bits past the mask).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { BadParameterError } from '../api/errors.js';

/** One parsed entry of a source-address list. */
export interface CIDR {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

/** Parse a source-address list; BadParameterError on an empty list or any bad entry. */
export function parseSourceAddress(list: string): CIDR[] {
  if (typeof list !== 'string' || list === '') throw new BadParameterError('source-address list is empty');
  return list.split(',').map((entry) => {
    const bad = (why: string): never => {
      throw new BadParameterError(`source-address entry "${entry.slice(0, 64)}" is invalid: ${why}`);
    };
    if (!/^[0-9a-fA-F.:/]+$/.test(entry)) bad('only addresses and CIDR blocks are allowed');
    const [addr, bits, extra] = entry.split('/');
    if (extra !== undefined) bad('more than one "/"');
    const ip = parseIP(addr);
    if (!ip) return bad('not an IP address');
    const width = ip.family === 4 ? 32 : 128;
    let prefix = width;
    if (bits !== undefined) {
      if (!/^\d{1,3}$/.test(bits) || Number(bits) > width) bad(`mask must be 0..${width}`);
      prefix = Number(bits);
    }
    if ((ip.value & hostMask(width, prefix)) !== 0n) bad('address has bits set beyond the mask');
    return { family: ip.family, network: ip.value, prefix };
  });
}

/**
 * True when `address` (as a socket reports it, IPv4-mapped IPv6 included) falls in `list`.
 * A malformed list throws BadParameterError; a malformed address matches nothing.
 */
export function matchSourceAddress(list: string, address: string): boolean {
  const cidrs = parseSourceAddress(list);
  let ip = parseIP(address.replace(/%.*$/, ''));
  if (!ip) return false;
  const mapped = 0xffff_0000_0000n;
  if (ip.family === 6 && ip.value >> 32n === mapped >> 32n) ip = { family: 4, value: ip.value & 0xffff_ffffn };
  return cidrs.some((c) => {
    if (c.family !== ip.family) return false;
    const width = c.family === 4 ? 32 : 128;
    return (ip.value & ~hostMask(width, c.prefix)) === c.network;
  });
}

function hostMask(width: number, prefix: number): bigint {
  return (1n << BigInt(width - prefix)) - 1n;
}

function parseIP(s: string): { family: 4 | 6; value: bigint } | undefined {
  if (isIPv4(s)) return { family: 4, value: ipv4(s) };
  if (!isIPv6(s) || s.includes('%')) return undefined;
  const halves = s.split('::');
  const groups = (part: string): bigint[] => {
    if (part === '') return [];
    return part.split(':').flatMap((g) => {
      if (!g.includes('.')) return [BigInt(`0x${g}`)];
      const v4 = ipv4(g);
      return [v4 >> 16n, v4 & 0xffffn];
    });
  };
  const head = groups(halves[0]);
  const tail = halves.length > 1 ? groups(halves[1]) : [];
  const all = [...head, ...Array<bigint>(8 - head.length - tail.length).fill(0n), ...tail];
  return { family: 6, value: all.reduce((acc, g) => (acc << 16n) | g, 0n) };
}

function ipv4(s: string): bigint {
  return s.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}
