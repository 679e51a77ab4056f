/**
 * User keys and the files `tctl auth sign` writes: an identity file (`file`), an OpenSSH key pair with
 * its certificate (`openssh`), or PEM key, certificate and CAs (`tls`). Existing files are never
 * overwritten unless asked, as Teleport's identityfile.Write refuses.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { UserCertsResponse } from '../api/auth-wire.js';
import { AlreadyExistsError, BadParameterError } from '../api/errors.js';
import { formatIdentityFile, knownHostsLine } from '../api/identity-file.js';
import { exists } from '../disk/index.js';
import { encodeOpenSSHPrivateKey } from '../sshca/index.js';

/** Output formats of `tctl auth sign` we write. */
export const SIGN_FORMATS = ['file', 'openssh', 'tls'] as const;
/** One of SIGN_FORMATS. */
export type SignFormat = (typeof SIGN_FORMATS)[number];

/** A fresh key pair for certificates; `publicKeyPem` is SPKI PEM as the auth API takes it. */
export interface UserKey {
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** An ed25519 key pair (node:crypto). */
export function generateUserKey(): UserKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** One file to write. */
interface OutFile {
  path: string;
  data: string;
  mode: number;
}

/** The paths a format writes for `out`, in the order Teleport lists them. */
export function credentialPaths(out: string, format: SignFormat): string[] {
  switch (format) {
    case 'file':
      return [out];
    case 'openssh':
      return [out, `${out}-cert.pub`];
    case 'tls':
      return [`${out}.key`, `${out}.crt`, `${out}.cas`];
  }
}

function filesFor(out: string, format: SignFormat, key: UserKey, certs: UserCertsResponse): OutFile[] {
  const keyPem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const [p0, p1, p2] = credentialPaths(out, format);
  const nl = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);
  switch (format) {
    case 'file':
      return [
        {
          path: p0,
          mode: 0o600,
          data: formatIdentityFile({
            keyPem,
            sshCert: certs.ssh,
            tlsCert: certs.tls,
            tlsCAs: certs.tls_ca_certs,
            knownHosts: certs.ssh_ca_keys.map((k) => knownHostsLine(certs.cluster_name, k)),
          }),
        },
      ];
    case 'openssh':
      return [
        { path: p0, mode: 0o600, data: encodeOpenSSHPrivateKey(key.privateKey) },
        { path: p1, mode: 0o644, data: nl(certs.ssh.trim()) },
      ];
    case 'tls':
      return [
        { path: p0, mode: 0o600, data: keyPem },
        { path: p1, mode: 0o644, data: nl(certs.tls.trim()) },
        { path: p2, mode: 0o644, data: certs.tls_ca_certs.map((c) => nl(c.trim())).join('') },
      ];
  }
}

/**
 * Write the credentials for `format` under `out` (relative to `cwd`) and return the paths written.
 * AlreadyExistsError (nothing written) when any target exists and `overwrite` is false.
 */
export async function writeCredentials(opts: {
  out: string;
  format: SignFormat;
  key: UserKey;
  certs: UserCertsResponse;
  overwrite?: boolean;
  cwd?: string;
}): Promise<string[]> {
  if (opts.out.trim() === '') throw new BadParameterError('--out must name a file');
  const base = isAbsolute(opts.out) || !opts.cwd ? opts.out : resolve(opts.cwd, opts.out);
  const files = filesFor(base, opts.format, opts.key, opts.certs);
  if (!opts.overwrite) {
    const taken: string[] = [];
    for (const f of files) if (await exists(f.path)) taken.push(f.path);
    if (taken.length > 0) {
      throw new AlreadyExistsError(`refusing to overwrite existing file(s): ${taken.join(', ')}; use --overwrite to replace them`);
    }
  }
  for (const f of files) {
    await writeFile(f.path, f.data, { mode: f.mode });
    await chmod(f.path, f.mode);
  }
  return credentialPaths(opts.out, opts.format);
}
