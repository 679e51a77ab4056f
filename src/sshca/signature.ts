/**
 * SSH signature blobs (RFC 4253 6.6, RFC 5656 3.1.2, RFC 8332, RFC 8709): `string alg, string sig`.
 * RSA signs with SHA-2 only; SHA-1 `ssh-rsa` signatures are refused, as OpenSSH 9 does.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { BadParameterError } from '../api/errors.js';
import { blobToPublicKey, curveOfType, keyObjectType, sshKeyType } from './keys.js';
import { padStart, SSHReader, SSHWriter } from './wire.js';

/** RSA signature algorithms we produce and accept. */
export type RSASignatureAlgorithm = 'rsa-sha2-512' | 'rsa-sha2-256';

const RSA_HASH: Record<RSASignatureAlgorithm, 'sha512' | 'sha256'> = {
  'rsa-sha2-512': 'sha512',
  'rsa-sha2-256': 'sha256',
};

/** Sign `data` with a private key and return the SSH signature blob. */
export function signSSH(privateKey: KeyObject, data: Buffer, rsaAlg: RSASignatureAlgorithm = 'rsa-sha2-512'): Buffer {
  if (privateKey.type !== 'private') throw new BadParameterError('signSSH needs a private key');
  const type = keyObjectType(privateKey);
  if (type === 'ssh-ed25519') {
    return new SSHWriter().string(type).string(sign(null, data, privateKey)).toBuffer();
  }
  if (type === 'ssh-rsa') {
    const hash = RSA_HASH[rsaAlg];
    if (!hash) throw new BadParameterError(`unsupported RSA signature algorithm "${String(rsaAlg)}"`);
    return new SSHWriter().string(rsaAlg).string(sign(hash, data, privateKey)).toBuffer();
  }
  const c = curveOfType(type)!;
  const raw = sign(c.hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const inner = new SSHWriter().mpint(raw.subarray(0, c.size)).mpint(raw.subarray(c.size)).toBuffer();
  return new SSHWriter().string(type).string(inner).toBuffer();
}

/** The algorithm name at the head of a signature blob; BadParameterError if malformed. */
export function signatureAlgorithm(signatureBlob: Buffer): string {
  return new SSHReader(signatureBlob, 'signature').text('signature algorithm');
}

/**
 * Verify an SSH signature blob over `data` by the plain public key `publicKeyBlob`. A malformed
 * key blob throws BadParameterError; a malformed, mismatched or SHA-1 RSA signature returns false.
 */
export function verifySSH(publicKeyBlob: Buffer, data: Buffer, signatureBlob: Buffer): boolean {
  const key = blobToPublicKey(publicKeyBlob);
  const type = sshKeyType(publicKeyBlob);
  try {
    const r = new SSHReader(signatureBlob, 'signature');
    const alg = r.text('signature algorithm');
    const sig = r.string('signature');
    r.end();
    if (type === 'ssh-ed25519') {
      return alg === type && sig.length === 64 && verify(null, data, key, sig);
    }
    if (type === 'ssh-rsa') {
      const hash = Object.hasOwn(RSA_HASH, alg) ? RSA_HASH[alg as RSASignatureAlgorithm] : undefined;
      if (!hash) return false;
      // Some signers drop leading zero bytes; OpenSSH pads back to the modulus length.
      const modBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
      return verify(hash, data, key, padStart(sig, modBytes, 'RSA signature'));
    }
    const c = curveOfType(type)!;
    if (alg !== type) return false;
    const ir = new SSHReader(sig, 'ecdsa signature');
    const rr = ir.mpint('r');
    const ss = ir.mpint('s');
    ir.end();
    if (rr.length === 0 || ss.length === 0) return false;
    const p1363 = Buffer.concat([padStart(rr, c.size, 'r'), padStart(ss, c.size, 's')]);
    return verify(c.hash, data, { key, dsaEncoding: 'ieee-p1363' }, p1363);
  } catch {
    // Malformed signature bytes are a failed verification, never a crash.
    return false;
  }
}
