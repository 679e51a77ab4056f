/**
 * Teleport's `conn_string` for the PostgreSQL backend: a `postgres://` or `postgresql://` URL whose
 * query carries libpq settings (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`, ...), which `pg`
 * understands, and pgx pool settings (`pool_max_conns`), which we take out and apply ourselves.
 */
import type { PoolConfig } from 'pg';
import { BadParameterError } from '../../api/errors.js';

/** Default pool size when the connection string does not set `pool_max_conns`. */
export const DEFAULT_POOL_MAX = 10;
/** How long to wait for a connection when the string sets no `connect_timeout`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The `sslmode` values libpq knows. */
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/**
 * Checks a connection string and turns it into `pg` pool settings. Throws BadParameterError
 * (without echoing a password) when it is not a PostgreSQL URL or a setting is invalid.
 */
export function parseConnString(connString: string): PoolConfig {
  let url: URL;
  try {
    url = new URL(connString);
  } catch (err) {
    throw new BadParameterError('postgresql backend: conn_string is not a URL; write it as postgresql://user@host:5432/database', {
      cause: err,
    });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new BadParameterError(`postgresql backend: conn_string must start with postgresql:// or postgres://, not ${url.protocol}//`);
  }
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    throw new BadParameterError(`postgresql backend: conn_string sslmode "${sslmode}" is not one of ${SSL_MODES.join(', ')}`);
  }
  let max = DEFAULT_POOL_MAX;
  const poolMax = url.searchParams.get('pool_max_conns');
  if (poolMax !== null) {
    max = Number(poolMax);
    if (!Number.isInteger(max) || max < 1) {
      throw new BadParameterError(`postgresql backend: conn_string pool_max_conns "${poolMax}" must be a whole number above zero`);
    }
  }
  const timeout = url.searchParams.get('connect_timeout');
  const connectionTimeoutMillis = timeout !== null && Number(timeout) > 0 ? Number(timeout) * 1000 : DEFAULT_CONNECT_TIMEOUT_MS;
  // pgx pool settings mean nothing to pg; leave them out of what it parses.
  for (const k of [...url.searchParams.keys()]) if (k.startsWith('pool_')) url.searchParams.delete(k);
  // TCP keepalives notice a database host that vanished without closing its connections.
  return { connectionString: url.toString(), max, connectionTimeoutMillis, keepAlive: true };
}

/** The connection string with its password masked, for logs and error messages. */
export function redactConnString(connString: string): string {
  try {
    const url = new URL(connString);
    if (url.password) url.password = '****';
    return url.toString();
  } catch {
    return '(unparsable connection string)';
  }
}
