/**
 * tsh's database logins, in Teleport's layout under the profile's key directory:
 * `keys/<proxy>/<user>-db/<cluster>/<db>-x509.pem` (the certificate routed to the database) with
 * the profile's key beside it as PEM (`<db>.key`, which libpq and mysql read), and the
 * connection service file PostgreSQL clients read (`~/.pg_service.conf`, or `$PGSERVICEFILE`),
 * one section `<cluster>-<db>` per login; for MySQL the option file `~/.my.cnf`, one group
 * `[client_<cluster>-<db>]` per login (`mysql --defaults-group-suffix=_<cluster>-<db>`).
 */
import type { KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RouteToDatabase } from '../tlsca/index.js';
import type { ProfilePaths } from './profile.js';

/** A database login of the profile: its route and files. */
export interface DatabaseLogin {
  route: RouteToDatabase;
  certPath: string;
  keyPath: string;
  /** The cluster's TLS CAs (the proxy's certificate chain). */
  caPath: string;
  expires: Date;
}

/** The directory of the profile's database certificates for `cluster`. */
function dbDir(paths: ProfilePaths, user: string, cluster: string): string {
  return join(dirname(paths.key), `${user}-db`, cluster);
}

/** Writes the certificate and the key of a database login; returns the login. */
export async function saveDatabaseLogin(o: { paths: ProfilePaths; user: string; cluster: string; route: RouteToDatabase; certPem: string; key: KeyObject }): Promise<DatabaseLogin> {
  const dir = dbDir(o.paths, o.user, o.cluster);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certPath = join(dir, `${o.route.serviceName}-x509.pem`);
  const keyPath = join(dir, `${o.route.serviceName}.key`);
  await writeFile(keyPath, o.key.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  await writeFile(certPath, o.certPem, { mode: 0o600 });
  // Loaded when used: tsh's start-up must not pay for the X.509 library (profile.ts does the same).
  const { identityFromCertificate } = await import('../tlsca/index.js');
  return { route: o.route, certPath, keyPath, caPath: o.paths.tlsCAs, expires: identityFromCertificate(o.certPem).expires };
}

/** The profile's database logins, by name. */
export async function listDatabaseLogins(paths: ProfilePaths, user: string, cluster: string): Promise<DatabaseLogin[]> {
  const dir = dbDir(paths, user, cluster);
  const names = await readdir(dir).catch(() => [] as string[]);
  const { identityFromCertificate } = await import('../tlsca/index.js');
  const out: DatabaseLogin[] = [];
  for (const n of names.filter((f) => f.endsWith('-x509.pem')).sort()) {
    try {
      const pem = await readFile(join(dir, n), 'utf8');
      const id = identityFromCertificate(pem);
      if (!id.routeToDatabase) continue;
      out.push({ route: id.routeToDatabase, certPath: join(dir, n), keyPath: join(dir, n.replace(/-x509\.pem$/, '.key')), caPath: paths.tlsCAs, expires: id.expires });
    } catch {
      // An unreadable leftover is no login.
    }
  }
  return out;
}

/** Removes a database login's files. */
export async function removeDatabaseLogin(login: DatabaseLogin): Promise<void> {
  await rm(login.certPath, { force: true });
  await rm(login.keyPath, { force: true });
}

/** Where PostgreSQL clients read connection services: `$PGSERVICEFILE`, else `~/.pg_service.conf`. */
export function pgServiceFile(env: Record<string, string | undefined>, homeDir: string): string {
  return env.PGSERVICEFILE || join(homeDir, '.pg_service.conf');
}

/**
 * Replaces (or, with `entries` undefined, removes) section `[name]` of an INI-style service file,
 * keeping every other section as written.
 */
export async function updatePgService(file: string, name: string, entries?: Record<string, string>): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const kept: string[] = [];
  let skipping = false;
  for (const line of text.split('\n')) {
    const header = /^\s*\[(.+)\]\s*$/.exec(line);
    if (header) skipping = header[1] === name;
    if (!skipping) kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1].trim() === '') kept.pop();
  if (entries) {
    if (kept.length > 0) kept.push('');
    // An empty value is a flag line (an option file's `ssl-verify-server-cert`).
    kept.push(`[${name}]`, ...Object.entries(entries).map(([k, v]) => (v === '' ? k : `${k}=${v}`)));
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, kept.length > 0 ? kept.join('\n') + '\n' : '', { mode: 0o600 });
}

/** The MySQL option file tsh writes: `~/.my.cnf`, as Teleport. */
export function myCnfFile(homeDir: string): string {
  return join(homeDir, '.my.cnf');
}

/** The option group of a login: `client_<cluster>-<db>`, read with `--defaults-group-suffix=_<cluster>-<db>`. */
export function myCnfGroup(service: string): string {
  return `client_${service}`;
}

/**
 * The `[client_<cluster>-<db>]` group's options, as Teleport writes them. Oracle's mysql client
 * takes `ssl-mode=VERIFY_IDENTITY`; the MariaDB client refuses that option in a file ("unknown
 * variable"), so with `mariadb` installed the group says `ssl-verify-server-cert`, its spelling.
 */
export function mysqlOptions(o: { host: string; port: number; login: DatabaseLogin; user?: string; database?: string; mariadb: boolean }): Record<string, string> {
  return {
    host: o.host,
    port: String(o.port),
    ...(o.user && { user: o.user }),
    ...(o.database && { database: o.database }),
    ...(o.mariadb ? { 'ssl-verify-server-cert': '' } : { 'ssl-mode': 'VERIFY_IDENTITY' }),
    'ssl-ca': o.login.caPath,
    'ssl-cert': o.login.certPath,
    'ssl-key': o.login.keyPath,
  };
}
