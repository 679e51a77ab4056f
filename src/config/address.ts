/**
 * Network addresses as teleport.yaml and `teleport start` flags write them: `host:port`,
 * `[::1]:3025`, a bare host (the key's default port applies), or a URL (`tcp://`, `https://`).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { BadParameterError } from '../api/errors.js';

/** A parsed host and port. `host` is `''` for "all interfaces" (`:3025`); IPv6 hosts carry no brackets. */
export interface NetAddr {
  host: string;
  port: number;
}

const SCHEMES = new Set(['tcp', 'http', 'https']);
// RFC 1123 labels; the last label must not start with a digit so `3025x` is not taken for a host.
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/;

/**
 * Parse `input` into a NetAddr, applying `defaultPort` when the input has no port (as Teleport's
 * ParseHostPortAddr does). Throws BadParameterError saying what is wrong and what is expected.
 */
export function parseAddr(input: string, defaultPort?: number): NetAddr {
  const raw = input.trim();
  if (raw === '') throw bad(input, 'the address is empty');
  let rest = raw;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest);
  if (scheme) {
    if (!SCHEMES.has(scheme[1].toLowerCase())) {
      throw bad(input, `unsupported scheme "${scheme[1]}" (use tcp://, https:// or none)`);
    }
    rest = rest.slice(scheme[0].length);
    const slash = rest.indexOf('/');
    if (slash >= 0) rest = rest.slice(0, slash);
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw bad(input, 'missing "]" after an IPv6 address');
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw bad(input, 'expected ":port" after "]"');
      portText = after.slice(1);
    }
    if (!isIPv6(host)) throw bad(input, `"${host}" is not an IPv6 address`);
  } else {
    const colons = rest.split(':').length - 1;
    if (colons > 1) {
      if (isIPv6(rest)) throw bad(input, 'write IPv6 addresses in brackets, as in [::1]:3025');
      throw bad(input, 'too many colons');
    }
    const colon = rest.lastIndexOf(':');
    host = colon >= 0 ? rest.slice(0, colon) : rest;
    portText = colon >= 0 ? rest.slice(colon + 1) : undefined;
    if (host !== '' && !isHost(host)) {
      throw bad(input, `"${host}" is not a valid host name or IP address`);
    }
  }
  let port: number;
  if (portText === undefined) {
    if (defaultPort === undefined) throw bad(input, 'a port is required');
    port = defaultPort;
  } else {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      throw bad(input, `"${portText}" is not a port number (0-65535)`);
    }
    port = Number(portText);
  }
  if (host === '' && portText === undefined) throw bad(input, 'the host is empty');
  return { host, port };
}

/** Format an address as `host:port`, bracketing IPv6 hosts (`[::1]:3025`). */
export function formatAddr(addr: NetAddr): string {
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return `${host}:${addr.port}`;
}

/** True when `host` is an IPv4 address or a syntactically valid DNS name. */
export function isHost(host: string): boolean {
  if (isIPv4(host)) return true;
  if (host.length > 253) return false;
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  if (!labels.every((l) => LABEL.test(l) && l.length <= 63)) return false;
  return !/^\d/.test(labels[labels.length - 1]);
}

function bad(input: string, why: string): BadParameterError {
  return new BadParameterError(`invalid address "${input}": ${why}; expected host:port, as in 0.0.0.0:3025`);
}
