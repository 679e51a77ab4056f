/**
 * Key handling for the CA: turning PEM private keys into WebCrypto signing keys, public keys into
 * SPKI DER, and fresh CA key pairs. Accepts PKCS#8, PKCS#1 (`RSA PRIVATE KEY`) and SEC1 PEM.
 */
import { createPrivateKey, createPublicKey, type KeyObject, type webcrypto } from 'node:crypto';
import { BadParameterError } from '../api/errors.js';
import { subtle } from './x509-provider.js';

/** Key algorithms a CA can be generated with. */
export type CAKeyAlgorithm = 'ecdsa-p256' | 'rsa2048';

const EC_CURVES: Record<string, { namedCurve: string; hash: string }> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
};

/** WebCrypto parameters to import and sign with a private key of node's key type. */
function signingParams(key: KeyObject): { alg: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams; hash: string } {
  if (key.asymmetricKeyType === 'rsa') {
    return { alg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, hash: 'SHA-256' };
  }
  const curve = EC_CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (key.asymmetricKeyType === 'ec' && curve) {
    return { alg: { name: 'ECDSA', namedCurve: curve.namedCurve }, hash: curve.hash };
  }
  throw new BadParameterError(
    `unsupported CA key type ${key.asymmetricKeyType ?? 'unknown'}: want RSA or ECDSA P-256/P-384`,
  );
}

/**
 * Import a CA private key PEM as a WebCrypto signing key plus the hash to sign with.
 * Throws BadParameterError when the PEM is malformed or of an unsupported type.
 */
export async function importSigningKey(keyPem: string): Promise<{ key: webcrypto.CryptoKey; hash: string }> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(keyPem);
  } catch (err) {
    throw new BadParameterError('malformed CA private key', { cause: err });
  }
  const { alg, hash } = signingParams(keyObject);
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
  const key = await subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']);
  return { key, hash };
}

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
