/**
 * The `proxy:` subsystem request a client sends to the proxy's SSH listener to reach a node (or the
 * cluster's auth API), in the forms Teleport's proxy accepts.
 */
import { BadParameterError } from '../../api/errors.js';

/** A parsed `proxy:` request. `host` empty means the cluster's auth API (`proxy:@cluster`). */
export interface ProxySubsystemRequest {
  host: string;
  /** As sent; empty or `0` means any port. */
  port: string;
  /** Accepted for compatibility and otherwise unused (Teleport has one namespace, `default`). */
  namespace: string;
  /** Empty when the request names none (the proxy's own cluster). */
  cluster: string;
}

const PREFIX = 'proxy:';

/**
 * Parse `proxy:host:port`, `proxy:host:port@cluster`, `proxy:host:port@namespace@cluster` or
 * `proxy:@cluster`. Throws BadParameterError with Teleport's texts for anything else.
 */
export function parseProxySubsystem(request: string): ProxySubsystemRequest {
  const invalid = () =>
    new BadParameterError(`invalid format for proxy request: ${goQuote(request)}, expected 'proxy:host:port@cluster'`);
  if (!request.startsWith(PREFIX)) throw invalid();
  const parts = request.slice(PREFIX.length).split('@');
  let target = { host: '', port: '' };
  let cluster = '';
  let namespace = 'default';
  if (parts.length === 1) {
    target = splitHostPort(parts[0]) ?? throwIt(invalid());
  } else if (parts.length === 2) {
    if (parts[0] !== '') target = splitHostPort(parts[0]) ?? throwIt(invalid());
    cluster = parts[1];
    if (cluster === '' && target.host === '') {
      throw new BadParameterError(`invalid format for proxy request: missing cluster name or target host in ${goQuote(request)}`);
    }
  } else {
    target = splitHostPort(parts[0]) ?? throwIt(invalid());
    namespace = parts[1];
    cluster = parts.slice(2).join('@');
  }
  return { ...target, namespace, cluster };
}

/**
 * `host:port` or `[v6]:port` → parts; undefined when malformed (no port separator, an empty host,
 * an unbracketed colon in the host, a port that is not a number up to 65535). An empty port is allowed.
 */
export function splitHostPort(addr: string): { host: string; port: string } | undefined {
  let host: string;
  let port: string;
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    if (end < 0 || addr[end + 1] !== ':') return undefined;
    host = addr.slice(1, end);
    port = addr.slice(end + 2);
  } else {
    const i = addr.lastIndexOf(':');
    if (i < 0) return undefined;
    host = addr.slice(0, i);
    port = addr.slice(i + 1);
    if (host.includes(':')) return undefined;
  }
  if (host === '' || /[\s\0]/.test(host)) return undefined;
  if (port !== '' && (!/^\d{1,5}$/.test(port) || Number(port) > 65535)) return undefined;
  return { host, port };
}

/** A double-quoted, escaped string, close to Go's %q for the ASCII Teleport's texts quote. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

function throwIt(err: Error): never {
  throw err;
}
