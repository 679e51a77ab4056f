/**
 * `audit_events_uri: postgresql://user@host:5432/teleport_audit?sslmode=verify-full#retention_period=720h`
 * as Teleport writes it: the URL without its fragment is the connection string (libpq settings in
 * the query, pgx's `pool_max_conns` taken out), and the fragment carries the audit log's own
 * options (`disable_cleanup`, `cleanup_interval`, `retention_period`, `auth_mode`). Loads no driver.
 */
import { BadParameterError, NotImplementedError } from '../../api/errors.js';
import { URIParams, maskPassword } from '../uri-params.js';

/** What a postgresql:// audit URI asks for. */
export interface PostgresSinkSpec {
  kind: 'postgresql';
  /** The connection string without the fragment or pgx-only settings. */
  connString: string;
  /** `pool_max_conns`. */
  poolMax?: number;
  /** `connect_timeout` in the query (seconds), as milliseconds. */
  connectTimeoutMs?: number;
  /** `retention_period` (default one year): older events are deleted. */
  retentionMs?: number;
  /** `cleanup_interval` (default 1h): how often old events are deleted. */
  cleanupIntervalMs?: number;
  /** `disable_cleanup`: leave deleting old events to someone else. */
  disableCleanup: boolean;
}

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const FRAGMENT = ['disable_cleanup', 'cleanup_interval', 'retention_period', 'auth_mode', 'azure_client_id'];

/**
 * Parses a `postgres://` or `postgresql://` audit URI. Throws BadParameterError for a malformed URL
 * or setting, NotImplementedError for cloud authentication modes (Azure AD, GCP) of later releases.
 */
export function parsePostgresURI(uri: string): PostgresSinkSpec {
  const shown = maskPassword(uri);
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch (err) {
    throw new BadParameterError(`audit_events_uri "${shown}": not a URL; write it as postgresql://user@host:5432/teleport_audit`, { cause: err });
  }
  const opts = new URIParams(shown, new URLSearchParams(url.hash.replace(/^#/, '')), 'fragment');
  opts.only(FRAGMENT);
  const authMode = opts.str('auth_mode');
  if (authMode !== undefined && authMode !== 'static') {
    throw new NotImplementedError(`audit_events_uri "${shown}": auth_mode ${authMode} is not available in this release; authenticate with the URL (password or sslcert/sslkey)`);
  }
  if (opts.str('azure_client_id')) throw new NotImplementedError(`audit_events_uri "${shown}": azure_client_id needs auth_mode azure, which is not available in this release`);
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    throw new BadParameterError(`audit_events_uri "${shown}": sslmode "${sslmode}" is not one of ${SSL_MODES.join(', ')}`);
  }
  let poolMax: number | undefined;
  const max = url.searchParams.get('pool_max_conns');
  if (max !== null) {
    poolMax = Number(max);
    if (!Number.isInteger(poolMax) || poolMax < 1) throw new BadParameterError(`audit_events_uri "${shown}": pool_max_conns "${max}" must be a whole number above zero`);
  }
  const timeout = url.searchParams.get('connect_timeout');
  if (timeout !== null && !(Number(timeout) >= 0)) throw new BadParameterError(`audit_events_uri "${shown}": connect_timeout "${timeout}" must be a number of seconds`);
  // pgx pool settings mean nothing to the driver; the fragment is ours.
  for (const k of [...url.searchParams.keys()]) if (k.startsWith('pool_')) url.searchParams.delete(k);
  url.hash = '';
  const spec: PostgresSinkSpec = { kind: 'postgresql', connString: url.toString(), disableCleanup: opts.bool('disable_cleanup') ?? false };
  if (poolMax !== undefined) spec.poolMax = poolMax;
  if (timeout !== null && Number(timeout) > 0) spec.connectTimeoutMs = Number(timeout) * 1000;
  const retention = opts.duration('retention_period');
  if (retention !== undefined) spec.retentionMs = retention;
  const interval = opts.duration('cleanup_interval');
  if (interval !== undefined) spec.cleanupIntervalMs = interval;
  return spec;
}
