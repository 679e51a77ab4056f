/**
 * What the `tsh db` commands share: the profile they act for, its database logins, the one a
 * command means (named, or the only one), and how a login connects (host, port, files).
 */
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { WebClient, splitHostPort } from '../../api/client/index.js';
import { BadParameterError, NotFoundError } from '../../api/errors.js';
import { listDatabaseLogins, type ClientIdentity, type DatabaseLogin } from '../../client/index.js';
import type { Invocation } from '../framework/index.js';
import { loadIdentity, type TshCtx } from './tsh-context.js';

/** The profile's identity with its files (identity files have no place for database logins). */
export async function dbProfile(inv: Invocation, ctx: TshCtx): Promise<ClientIdentity & { paths: NonNullable<ClientIdentity['paths']> }> {
  const id = await loadIdentity(inv, ctx, { allowExpired: true });
  if (!id.paths) throw new BadParameterError('database logins are kept in a tsh profile: run "tsh login --proxy=<proxy>" instead of -i');
  return id as ClientIdentity & { paths: NonNullable<ClientIdentity['paths']> };
}

/** The profile's database logins. */
export function dbLogins(id: ClientIdentity & { paths: NonNullable<ClientIdentity['paths']> }): Promise<DatabaseLogin[]> {
  return listDatabaseLogins(id.paths, id.username, id.cluster);
}

/**
 * The login `name` names, or the only one. NotFoundError when there is none by that name,
 * BadParameterError when several could be meant.
 */
export function pickLogin(logins: DatabaseLogin[], name: string | undefined): DatabaseLogin {
  if (name) {
    const found = logins.find((l) => l.route.serviceName === name);
    if (!found) throw new NotFoundError(`not logged into database "${name}": run "tsh db login ${name}" first`);
    return found;
  }
  if (logins.length === 0) throw new NotFoundError('please login using "tsh db login" first');
  if (logins.length > 1) {
    throw new BadParameterError(`multiple databases are available (${logins.map((l) => l.route.serviceName).join(', ')}), please specify one using CLI argument`);
  }
  return logins[0];
}

/** Where PostgreSQL clients connect: the proxy's web address (PostgreSQL is multiplexed there). */
export function proxyHostPort(id: ClientIdentity): { host: string; port: number } {
  return splitHostPort(id.webProxyAddr);
}

/** `<cluster>-<db>`: the pg_service.conf section (and ~/.my.cnf group) of a login. */
export function serviceName(cluster: string, db: string): string {
  return `${cluster}-${db}`;
}

/**
 * Where MySQL clients connect: the proxy's `mysql_listen_addr` from its ping (a MySQL server
 * speaks first, so MySQL cannot share the web port without tsh's local proxy, which this release
 * lacks). BadParameterError when the proxy has none.
 */
export async function mysqlHostPort(id: ClientIdentity): Promise<{ host: string; port: number }> {
  const ping = await new WebClient({ addr: id.webProxyAddr, insecure: id.insecure === true, caPems: id.tlsCAs }).ping();
  const addr = ping.proxy.db?.mysql_listen_addr;
  if (!addr) throw new BadParameterError(`the proxy ${id.webProxyAddr} has no MySQL listener: its administrator sets proxy_service.mysql_listen_addr`);
  return splitHostPort(addr);
}

/** The MySQL client on PATH: `mariadb` when installed (its options differ from Oracle's), else `mysql`. */
export async function mysqlClient(env: Record<string, string | undefined>): Promise<'mariadb' | 'mysql'> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      await access(join(dir, 'mariadb'), constants.X_OK);
      return 'mariadb';
    } catch {
      // Not in this directory.
    }
  }
  return 'mysql';
}
