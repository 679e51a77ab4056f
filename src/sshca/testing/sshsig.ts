/**
 * The SSHSIG format of `ssh-keygen -Y sign` (OpenSSH PROTOCOL.sshsig), used by tests to check our
 * signatures against OpenSSH's in both directions. Test-only.
 */
import { createHash } from 'node:crypto';
import { SSHReader, SSHWriter } from '../wire.js';

const PREAMBLE = Buffer.from('SSHSIG');

/** The bytes an SSHSIG signature covers for `message` under `namespace` (SHA-512). */
export function sshsigSignedData(namespace: string, message: Buffer): Buffer {
  return new SSHWriter()
    .raw(PREAMBLE)
    .string(namespace)
    .string('')
    .string('sha512')
    .string(createHash('sha512').update(message).digest())
    .toBuffer();
}

/** Parse an armored SSHSIG file into the signer's key blob, namespace and SSH signature blob. */
export function parseSSHSIG(armored: string): { publicKey: Buffer; namespace: string; hash: string; signature: Buffer } {
  const b64 = armored.replace(/-----(BEGIN|END) SSH SIGNATURE-----/g, '').replace(/\s+/g, '');
  const raw = Buffer.from(b64, 'base64');
  if (!raw.subarray(0, 6).equals(PREAMBLE)) throw new Error('not an SSHSIG');
  const r = new SSHReader(raw.subarray(6), 'sshsig');
  if (r.uint32() !== 1) throw new Error('bad SSHSIG version');
  const publicKey = r.string();
  const namespace = r.text();
  r.string();
  const hash = r.text();
  const signature = r.string();
  r.end();
  return { publicKey, namespace, hash, signature };
}

/** Armor an SSHSIG built from our key blob and signature blob, for `ssh-keygen -Y check-novalidate`. */
export function formatSSHSIG(publicKey: Buffer, namespace: string, signature: Buffer): string {
  const raw = new SSHWriter()
    .raw(PREAMBLE)
    .uint32(1)
    .string(publicKey)
    .string(namespace)
    .string('')
    .string('sha512')
    .string(signature)
    .toBuffer();
  const lines = raw.toString('base64').match(/.{1,76}/g) ?? [];
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join('\n')}\n-----END SSH SIGNATURE-----\n`;
}
