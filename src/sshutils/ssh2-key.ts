/**
 * Keys as ssh2 wants them: our KeyObjects (and certificate blobs) turned into ssh2's parsed keys.
 * A certified key is the private key presenting the certificate blob as its public half.
 */
import type { KeyObject } from 'node:crypto';
import type { ParsedKey } from 'ssh2';
import { BadParameterError } from '../api/errors.js';
import { CERT_SUFFIX, encodeOpenSSHPrivateKey, keyObjectType, parseCertificate, publicKeyToBlob } from '../sshca/index.js';
import type { SSHCertificate } from '../sshca/index.js';
import { ssh2 } from './ssh2-module.js';

/**
 * An ssh2 key for `privateKey`; with `cert` (blob or OpenSSH line) the key presents the certificate
 * (type `*-cert-v01@openssh.com`). BadParameterError if the certificate is not for this key.
 */
export function toSSH2Key(privateKey: KeyObject, cert?: Buffer | string): { key: ParsedKey; cert?: SSHCertificate } {
  if (privateKey.type !== 'private') throw new BadParameterError('an SSH identity needs a private key');
  const parsed = ssh2().utils.parseKey(encodeOpenSSHPrivateKey(privateKey));
  if (parsed instanceof Error) throw new BadParameterError(`ssh2 cannot load the key: ${parsed.message}`);
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
  if (cert === undefined) return { key };
  const c = parseCertificate(cert);
  if (!c.publicKey.equals(publicKeyToBlob(privateKey))) {
    throw new BadParameterError(`certificate "${c.keyId}" is not for this ${keyObjectType(privateKey)} key`);
  }
  // ssh2 reads the key's type and public blob; signing stays with the private key (the patched
  // protocol code signs with the plain algorithm).
  const blob = Buffer.from(c.blob);
  const certified = Object.create(key, {
    type: { value: keyObjectType(privateKey) + CERT_SUFFIX, enumerable: true },
    getPublicSSH: { value: () => blob },
  }) as ParsedKey;
  return { key: certified, cert: c };
}
