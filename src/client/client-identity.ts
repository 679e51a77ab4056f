/**
 * The credentials tsh acts with, from the current profile in ~/.tsh or from an identity file
 * (`tsh -i alice.pem --proxy=host:port`): the user's key and certificates, the cluster's host CA,
 * and where the proxy's web and SSH listeners are.
 */
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { WebClient } from '../api/client/index.js';
import { AccessDeniedError, BadParameterError, NotFoundError } from '../api/errors.js';
import { parseIdentityFile } from '../api/identity-file.js';
import { parseCertificate, parsePrivateKey, type SSHCertificate } from '../sshca/index.js';
import { hostCAsForCluster, parseHostCAs, type HostCAEntry } from './known-hosts.js';
import { clusterOfCA } from './load-client.js';
import { loadProfileKeys, profileName, type ProfilePaths } from './profile.js';

/** Everything needed to reach the cluster as the user. */
export interface ClientIdentity {
  /** The Teleport user. */
  username: string;
  cluster: string;
  privateKey: KeyObject;
  sshCert: SSHCertificate;
  sshCertLine: string;
  tlsCertPem: string;
  tlsCAs: string[];
  /** The cluster's SSH host CAs. */
  hostCAs: HostCAEntry[];
  /** `host:port` of the proxy's web listener. */
  webProxyAddr: string;
  /** `host:port` of the proxy's SSH listener. */
  sshProxyAddr: string;
  insecure: boolean;
  /** For messages: `profile example.com` or `identity file /path`. */
  source: string;
  /** The profile's files (absent for identity files). */
  paths?: ProfilePaths;
}

/** The proxy's SSH port when it advertises none (Teleport's default). */
export const DEFAULT_SSH_PROXY_PORT = 3023;

/** Normalizes `--proxy`: `host` → `host:3080`, `https://host:443/` → `host:443`. */
export function webProxyAddr(raw: string): string {
  const s = raw.trim().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (s === '') throw new BadParameterError('--proxy is empty');
  return /:\d+$/.test(s) ? s : `${s}:3080`;
}

/** The host part of `host:port` (IPv6 brackets removed). */
export function hostOf(addr: string): string {
  return addr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
}

/** Where to find credentials. */
export interface LoadIdentityOptions {
  /** tsh's home (`~/.tsh` or $TELEPORT_HOME). */
  home: string;
  /** `--proxy`: selects the profile of that proxy, and is required with an identity file. */
  proxy?: string;
  /** `-i/--identity`. */
  identityFile?: string;
  /** `--insecure`: skip verifying the proxy's web certificate (identity files only). */
  insecure?: boolean;
  cwd: string;
  /** Epoch ms; an expired certificate is refused unless `allowExpired`. */
  now: number;
  allowExpired?: boolean;
}

/**
 * Load the identity. Throws NotFoundError when not logged in (or the identity file is missing),
 * AccessDeniedError when the certificate has expired, BadParameterError for unusable files.
 */
export async function loadClientIdentity(opts: LoadIdentityOptions): Promise<ClientIdentity> {
  const id = opts.identityFile ? await fromIdentityFile(opts.identityFile, opts) : await fromProfile(opts);
  const expires = Number(id.sshCert.validBefore) * 1000;
  if (!opts.allowExpired && opts.now >= expires) {
    const how = opts.identityFile ? 'issue a new identity file (tctl auth sign)' : `log in again: tsh login --proxy=${id.webProxyAddr}`;
    throw new AccessDeniedError(`the certificate of ${id.username} from ${id.source} expired at ${new Date(expires).toISOString()}; ${how}`);
  }
  return id;
}

async function fromProfile(opts: LoadIdentityOptions): Promise<ClientIdentity> {
  const name = opts.proxy ? profileName(webProxyAddr(opts.proxy)) : undefined;
  const creds = await loadProfileKeys(opts.home, name);
  const p = creds.profile;
  const known = await readFile(creds.paths.knownHosts, 'utf8').catch(() => '');
  return {
    // A user certificate's key ID is the Teleport user (as its TLS certificate's subject CN).
    username: creds.sshCert.keyId,
    cluster: p.cluster,
    privateKey: creds.privateKey,
    sshCert: creds.sshCert,
    sshCertLine: creds.sshCertLine,
    tlsCertPem: creds.tlsCertPem,
    tlsCAs: creds.tlsCAs,
    hostCAs: hostCAsForCluster(parseHostCAs(known), p.cluster),
    webProxyAddr: p.web_proxy_addr,
    sshProxyAddr: p.ssh_proxy_addr || `${hostOf(p.web_proxy_addr)}:${DEFAULT_SSH_PROXY_PORT}`,
    insecure: p.insecure === true,
    source: `profile ${profileName(p.web_proxy_addr)}`,
    paths: creds.paths,
  };
}

async function fromIdentityFile(file: string, opts: LoadIdentityOptions): Promise<ClientIdentity> {
  const path = isAbsolute(file) ? file : resolve(opts.cwd, file);
  if (!opts.proxy) throw new BadParameterError(`an identity file (-i ${file}) needs the proxy's address: add --proxy=<host:port>`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`identity file ${path} does not exist`, { cause: err });
    throw new AccessDeniedError(`cannot read identity file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const source = `identity file ${path}`;
  const bundle = parseIdentityFile(text, source);
  if (!bundle.sshCert) throw new BadParameterError(`${source} has no SSH certificate`);
  if (!bundle.tlsCert) throw new BadParameterError(`${source} has no TLS certificate`);
  if (bundle.tlsCAs.length === 0) throw new BadParameterError(`${source} has no certificate authorities`);
  const cluster = clusterOfCA(bundle.tlsCAs[0]);
  const all = parseHostCAs(bundle.knownHosts);
  const forCluster = hostCAsForCluster(all, cluster);
  if (all.length === 0) throw new BadParameterError(`${source} has no host certificate authority (@cert-authority lines)`);
  const web = webProxyAddr(opts.proxy);
  const ping = await new WebClient({ addr: web, insecure: opts.insecure === true, caPems: bundle.tlsCAs }).ping();
  const sshCert = parseCertificate(bundle.sshCert);
  return {
    username: sshCert.keyId,
    cluster,
    privateKey: parsePrivateKey(bundle.keyPem),
    sshCert,
    sshCertLine: bundle.sshCert,
    tlsCertPem: bundle.tlsCert,
    tlsCAs: bundle.tlsCAs,
    hostCAs: forCluster.length > 0 ? forCluster : all,
    webProxyAddr: web,
    sshProxyAddr: ping.proxy.ssh.ssh_public_addr || `${hostOf(web)}:${DEFAULT_SSH_PROXY_PORT}`,
    insecure: opts.insecure === true,
    source,
  };
}
