/**
 * The port forwarding arguments of `tsh ssh`, in OpenSSH's syntax: `-L [bind:]port:host:hostport`,
 * `-R [bind:]port:host:hostport` and `-D [bind:]port`. IPv6 addresses go in brackets.
 */
import { BadParameterError } from '../api/errors.js';

/** A `-L` or `-R` forward: listen on `bindHost:bindPort`, connect to `destHost:destPort`. */
export interface ForwardSpec {
  /** Empty when not given: the caller picks the default (`127.0.0.1` for -L, `localhost` for -R). */
  bindHost: string;
  bindPort: number;
  destHost: string;
  destPort: number;
}

/** A `-D` SOCKS5 listener. */
export interface DynamicForwardSpec {
  bindHost: string;
  bindPort: number;
}

/** Split on colons outside brackets; brackets removed. */
function fields(spec: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of spec) {
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if (ch === ':' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    } else cur += ch;
    if (depth < 0 || depth > 1) throw new BadParameterError(`invalid forwarding spec "${spec}": unbalanced brackets`);
  }
  if (depth !== 0) throw new BadParameterError(`invalid forwarding spec "${spec}": unbalanced brackets`);
  out.push(cur);
  return out;
}

function port(s: string, spec: string, allowZero: boolean): number {
  if (!/^\d{1,5}$/.test(s) || Number(s) > 65535 || (!allowZero && Number(s) === 0)) {
    throw new BadParameterError(`invalid port "${s}" in forwarding spec "${spec}"`);
  }
  return Number(s);
}

/**
 * Parse a `-L`/`-R` spec. A listen port of 0 asks for any free port (the server reports the one it
 * chose for -R). Throws BadParameterError with the expected syntax.
 */
export function parseForwardSpec(spec: string): ForwardSpec {
  const f = fields(spec);
  if (f.length !== 3 && f.length !== 4) {
    throw new BadParameterError(`invalid port forwarding spec "${spec}": expected [bind_address:]port:host:hostport`);
  }
  const [bindHost, bindPort, destHost, destPort] = f.length === 4 ? f : ['', ...f];
  if (destHost === '') throw new BadParameterError(`invalid port forwarding spec "${spec}": the destination host is empty`);
  return { bindHost, bindPort: port(bindPort, spec, true), destHost, destPort: port(destPort, spec, false) };
}

/** Parse a `-D` spec: `port` or `bind:port`. */
export function parseDynamicForwardSpec(spec: string): DynamicForwardSpec {
  const f = fields(spec);
  if (f.length !== 1 && f.length !== 2) throw new BadParameterError(`invalid dynamic forwarding spec "${spec}": expected [bind_address:]port`);
  const [bindHost, bindPort] = f.length === 2 ? f : ['', f[0]];
  return { bindHost, bindPort: port(bindPort, spec, true) };
}
