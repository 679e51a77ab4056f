/**
 * Key handling for the CA: public keys into SPKI DER, fresh CA key pairs, PEM text.
 */
import { createPublicKey, type KeyObject, type webcrypto } from 'node:crypto';
import { BadParameterError } from '../api/errors.js';
import { subtle } from './x509-provider.js';

/** Key algorithms a CA can be generated with. */
export type CAKeyAlgorithm = 'ecdsa-p256' | 'rsa2048';

/**
 * DER SubjectPublicKeyInfo of a public key given as a KeyObject (public or private) or SPKI PEM.
 * Throws BadParameterError when it cannot be read.
 */
export function spkiDer(publicKey: KeyObject | string): Buffer {
  try {
    const key = typeof publicKey === 'string' || publicKey.type === 'private'
      ? createPublicKey(publicKey)
      : publicKey;
    if (key.type !== 'public') throw new Error(`expected a public key, got ${key.type}`);
    return key.export({ type: 'spki', format: 'der' });
  } catch (err) {
    throw new BadParameterError('malformed public key', { cause: err });
  }
}

/** Generate an extractable key pair for a new CA. */
export async function generateCAKeys(algorithm: CAKeyAlgorithm): Promise<webcrypto.CryptoKeyPair> {
  if (algorithm === 'rsa2048') {
    return subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    );
  }
  if (algorithm === 'ecdsa-p256') {
    return subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  }
  throw new BadParameterError(`unsupported CA key algorithm "${String(algorithm)}": want ecdsa-p256 or rsa2048`);
}

/** PEM text of DER bytes under the given label, with a trailing newline. */
export function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
