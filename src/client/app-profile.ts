/**
 * tsh's application logins, in Teleport's layout under the profile's key directory:
 * `keys/<proxy>/<user>-app/<cluster>/<app>.crt` (the certificate routed to the app: its session,
 * public address, cluster and name) and `<app>.key` (the profile's key as PKCS#8 PEM, which curl
 * and other HTTP clients read).
 */
import type { KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RouteToApp } from '../tlsca/index.js';
import type { ProfilePaths } from './profile.js';

/** An app login of the profile: its route and files. */
export interface AppLogin {
  route: RouteToApp;
  certPath: string;
  keyPath: string;
  /** The cluster's TLS CAs (what verifies the proxy). */
  caPath: string;
  expires: Date;
}

/** The directory of the profile's app certificates for `cluster`. */
export function appDir(paths: ProfilePaths, user: string, cluster: string): string {
  return join(dirname(paths.key), `${user}-app`, cluster);
}

/** Where the certificate and key of app `name` live. */
export function appFiles(paths: ProfilePaths, user: string, cluster: string, name: string): { certPath: string; keyPath: string } {
  const dir = appDir(paths, user, cluster);
  return { certPath: join(dir, `${name}.crt`), keyPath: join(dir, `${name}.key`) };
}

/** Writes the certificate and the key of an app login; returns the login. */
export async function saveAppLogin(o: { paths: ProfilePaths; user: string; cluster: string; certPem: string; key: KeyObject }): Promise<AppLogin> {
  // Loaded when used: tsh's start-up must not pay for the X.509 library (profile.ts does the same).
  const { identityFromCertificate } = await import('../tlsca/index.js');
  const id = identityFromCertificate(o.certPem);
  if (!id.routeToApp) throw new Error('the certificate auth issued carries no route to an app');
  const { certPath, keyPath } = appFiles(o.paths, o.user, o.cluster, id.routeToApp.name);
  await mkdir(dirname(certPath), { recursive: true, mode: 0o700 });
  await writeFile(keyPath, o.key.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  await writeFile(certPath, o.certPem, { mode: 0o600 });
  return { route: id.routeToApp, certPath, keyPath, caPath: o.paths.tlsCAs, expires: id.expires };
}

/** The profile's app logins, by name (expired ones included: `expires` tells). */
export async function listAppLogins(paths: ProfilePaths, user: string, cluster: string): Promise<AppLogin[]> {
  const dir = appDir(paths, user, cluster);
  const names = await readdir(dir).catch(() => [] as string[]);
  const { identityFromCertificate } = await import('../tlsca/index.js');
  const out: AppLogin[] = [];
  for (const n of names.filter((f) => f.endsWith('.crt')).sort()) {
    try {
      const id = identityFromCertificate(await readFile(join(dir, n), 'utf8'));
      if (!id.routeToApp) continue;
      out.push({ route: id.routeToApp, certPath: join(dir, n), keyPath: join(dir, n.replace(/\.crt$/, '.key')), caPath: paths.tlsCAs, expires: id.expires });
    } catch {
      // An unreadable leftover is no login.
    }
  }
  return out;
}

/** Removes an app login's files. */
export async function removeAppLogin(login: Pick<AppLogin, 'certPath' | 'keyPath'>): Promise<void> {
  await rm(login.certPath, { force: true });
  await rm(login.keyPath, { force: true });
}
