/**
 * The operands of `tsh scp`, in OpenSSH's syntax: `[user@]host:path` is remote (an empty path is
 * the login's home directory), anything else, or anything with a `/` before its first `:`, is local.
 */
import { BadParameterError } from '../api/errors.js';

/** A parsed operand. */
export type ScpTarget = { kind: 'local'; path: string } | { kind: 'remote'; login?: string; host: string; path: string };

/** Parse one operand. Throws BadParameterError for `user@:path` and other empty hosts. */
export function parseScpTarget(arg: string): ScpTarget {
  if (arg.startsWith('/') || arg.startsWith('./') || arg.startsWith('../')) return { kind: 'local', path: arg };
  let login: string | undefined;
  let rest = arg;
  // The login is everything up to the last `@` before the host part.
  const colonForAt = rest.startsWith('[') ? rest.indexOf(']') : rest.indexOf(':');
  const at = rest.lastIndexOf('@', colonForAt < 0 ? undefined : colonForAt);
  if (at >= 0 && colonForAt >= 0 && at < colonForAt) {
    login = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host: string;
  let path: string;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0 || rest[end + 1] !== ':') return { kind: 'local', path: arg };
    host = rest.slice(1, end);
    path = rest.slice(end + 2);
  } else {
    const colon = rest.indexOf(':');
    const slash = rest.indexOf('/');
    if (colon < 0 || (slash >= 0 && slash < colon)) return { kind: 'local', path: arg };
    host = rest.slice(0, colon);
    path = rest.slice(colon + 1);
  }
  if (host === '') throw new BadParameterError(`invalid remote path "${arg}": the host is empty`);
  if (login === '') throw new BadParameterError(`invalid remote path "${arg}": the login before @ is empty`);
  return { kind: 'remote', ...(login !== undefined && { login }), host, path: path === '' ? '.' : path };
}
