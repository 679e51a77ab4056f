/**
 * What the `tsh db` commands share: the profile they act for, its database logins, the one a
 * command means (named, or the only one), and how a login connects (host, port, files).
 */
import { splitHostPort } from '../../api/client/index.js';
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
