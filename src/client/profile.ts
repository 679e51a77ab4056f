/**
 * tsh's key store and profiles, in Teleport's `~/.tsh` layout (or `$TELEPORT_HOME`):
 * `current-profile`, `<proxy>.yaml`, `known_hosts` (`@cert-authority` lines), and under
 * `keys/<proxy>/`: `<user>` (private key), `<user>.pub`, `<user>-x509.pem`,
 * `<user>-ssh/<cluster>-cert.pub` and `certs.pem` (the cluster's TLS CAs).
 */
import type { KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import { NotFoundError } from '../api/errors.js';
import { knownHostsLine } from '../api/identity-file.js';
import { encodeOpenSSHPrivateKey, formatAuthorizedKey, parseCertificate, parsePrivateKey, type SSHCertificate } from '../sshca/index.js';
import type { Identity } from '../tlsca/index.js';

/** What `<proxy>.yaml` holds. */
export interface Profile {
  web_proxy_addr: string;
  ssh_proxy_addr?: string;
  user: string;
  cluster: string;
  insecure?: boolean;
  /** `host:port` of the proxy's Kubernetes front, when it serves Kubernetes (Teleport's profile field). */
  kube_proxy_addr?: string;
}

/** The keys and certificates of a logged-in profile. */
export interface ProfileKeys {
  profile: Profile;
  privateKey: KeyObject;
  sshCert: SSHCertificate;
  sshCertLine: string;
  tlsCertPem: string;
  tlsCAs: string[];
  paths: ProfilePaths;
}

/** The credentials of a logged-in profile, with the identity its TLS certificate encodes. */
export interface ProfileCredentials extends ProfileKeys {
  identity: Identity;
}

/** Where a profile's files live (what `tsh config` points OpenSSH at). */
export interface ProfilePaths {
  knownHosts: string;
  /** The private key, in OpenSSH's format so that `ssh -i` reads it. */
  key: string;
  sshCert: string;
  tlsCert: string;
  tlsCAs: string;
}

/** The paths of `profile`'s files under `home`. */
export function profilePaths(home: string, profile: Pick<Profile, 'web_proxy_addr' | 'user' | 'cluster'>): ProfilePaths {
  const dir = join(home, 'keys', profileName(profile.web_proxy_addr));
  return {
    knownHosts: join(home, 'known_hosts'),
    key: join(dir, profile.user),
    sshCert: join(dir, `${profile.user}-ssh`, `${profile.cluster}-cert.pub`),
    tlsCert: join(dir, `${profile.user}-x509.pem`),
    tlsCAs: join(dir, 'certs.pem'),
  };
}

/** The directory tsh keeps its state in. */
export function tshHome(env: Record<string, string | undefined>, homeDir: string): string {
  return env.TELEPORT_HOME || join(homeDir, '.tsh');
}

/** A profile's name: the proxy's host without the port, as Teleport names them. */
export function profileName(webProxyAddr: string): string {
  return webProxyAddr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
}

const PEM_CERTS = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Saves a login: keys, certificates, CAs, known_hosts and the profile; makes it current. The
 * private key is written in OpenSSH's format (OpenSSH cannot read PKCS#8 ed25519 keys), so the
 * files work as `IdentityFile`/`CertificateFile` for the stock `ssh` (`tsh config`).
 */
export async function saveLogin(
  home: string,
  profile: Profile,
  creds: { privateKey: KeyObject; sshCert: string; tlsCert: string; tlsCAs: string[]; sshCAKeys: string[] },
): Promise<void> {
  const name = profileName(profile.web_proxy_addr);
  const paths = profilePaths(home, profile);
  const dir = join(home, 'keys', name);
  await mkdir(join(dir, `${profile.user}-ssh`), { recursive: true, mode: 0o700 });
  await writeFile(paths.key, encodeOpenSSHPrivateKey(creds.privateKey), { mode: 0o600 });
  await writeFile(`${paths.key}.pub`, formatAuthorizedKey(creds.privateKey) + '\n', { mode: 0o644 });
  await writeFile(paths.tlsCert, creds.tlsCert.trim() + '\n', { mode: 0o600 });
  await writeFile(paths.sshCert, creds.sshCert.trim() + '\n', { mode: 0o600 });
  await writeFile(paths.tlsCAs, creds.tlsCAs.map((c) => c.trim()).join('\n') + '\n', { mode: 0o644 });
  await writeKnownHosts(home, profile.cluster, creds.sshCAKeys);
  await writeFile(join(home, `${name}.yaml`), YAML.stringify(profile), { mode: 0o600 });
  await writeFile(join(home, 'current-profile'), name + '\n', { mode: 0o600 });
}

/** Replaces the cluster's lines in `known_hosts`, keeping other clusters'. */
async function writeKnownHosts(home: string, cluster: string, caKeys: string[]): Promise<void> {
  const path = join(home, 'known_hosts');
  const old = await readFile(path, 'utf8').catch(() => '');
  const mine = (l: string) => l.startsWith(`@cert-authority ${cluster},`);
  const kept = old.split('\n').filter((l) => l.trim() !== '' && !mine(l));
  await writeFile(path, [...kept, ...caKeys.map((k) => knownHostsLine(cluster, k))].join('\n') + '\n', { mode: 0o600 });
}

/** The current profile's name, or undefined when nobody is logged in. */
export async function currentProfileName(home: string): Promise<string | undefined> {
  const name = (await readFile(join(home, 'current-profile'), 'utf8').catch(() => '')).trim();
  return name || undefined;
}

/**
 * Loads the current (or named) profile with its credentials and the identity of its TLS
 * certificate (`tsh status`); NotFoundError when not logged in, BadParameterError for a malformed
 * certificate.
 */
export async function loadProfile(home: string, name?: string): Promise<ProfileCredentials> {
  const keys = await loadProfileKeys(home, name);
  // The X.509 parser costs a tenth of a second to load: only the commands that show the identity pay for it.
  const { identityFromCertificate } = await import('../tlsca/index.js');
  return { ...keys, identity: identityFromCertificate(keys.tlsCertPem) };
}

/** Loads the current (or named) profile's keys and certificates, as loadProfile without reading the TLS identity. */
export async function loadProfileKeys(home: string, name?: string): Promise<ProfileKeys> {
  const n = name ?? (await currentProfileName(home));
  if (!n) throw new NotFoundError('not logged in: run "tsh login --proxy=<host:port>"');
  let profile: Profile;
  try {
    profile = YAML.parse(await readFile(join(home, `${n}.yaml`), 'utf8')) as Profile;
  } catch (err) {
    throw new NotFoundError(`profile ${n} is missing or unreadable; log in again with "tsh login"`, { cause: err });
  }
  const paths = profilePaths(home, profile);
  try {
    const privateKey = parsePrivateKey(await readFile(paths.key, 'utf8'));
    const sshCertLine = (await readFile(paths.sshCert, 'utf8')).trim();
    const tlsCertPem = await readFile(paths.tlsCert, 'utf8');
    const tlsCAs = [...(await readFile(paths.tlsCAs, 'utf8')).matchAll(PEM_CERTS)].map((m) => m[0]);
    return { profile, privateKey, sshCert: parseCertificate(sshCertLine), sshCertLine, tlsCertPem, tlsCAs, paths };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`not logged in to ${n}: run "tsh login"`, { cause: err });
    throw err;
  }
}

/** Removes every profile's keys and the profiles themselves (`tsh logout`). Returns how many there were. */
export async function removeAllProfiles(home: string): Promise<number> {
  const entries = await readdir(home).catch(() => [] as string[]);
  const profiles = entries.filter((e) => e.endsWith('.yaml'));
  for (const p of profiles) await rm(join(home, p), { force: true });
  await rm(join(home, 'keys'), { recursive: true, force: true });
  await rm(join(home, 'current-profile'), { force: true });
  return profiles.length;
}
