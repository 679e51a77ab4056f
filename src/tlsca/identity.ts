/**
 * Checking the identity a Teleport X.509 certificate carries in its subject (the type is in
 * identity-type.ts), and reading it back from a certificate (the inverse of `identitySubject`).
 */
import { createHash, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { BadParameterError } from '../api/errors.js';
import { BoundedCache } from './bounded-cache.js';
import type { Identity } from './identity-type.js';
import { certificateParts } from './cert-der.js';
import { decodeName } from './name-der.js';
import { identityFromSubject } from './subject.js';

/** Throw BadParameterError unless the identity has what Teleport requires (a username and groups). */
export function checkIdentity(identity: Identity): void {
  if (!identity.username) throw new BadParameterError('missing identity username');
  if (!identity.groups || identity.groups.length === 0) {
    throw new BadParameterError('missing identity groups');
  }
  if (!(identity.expires instanceof Date) || Number.isNaN(identity.expires.getTime())) {
    throw new BadParameterError('identity expires must be a valid Date');
  }
  const prev = identity.previousIdentityExpires;
  if (prev !== undefined && (!(prev instanceof Date) || Number.isNaN(prev.getTime()))) {
    throw new BadParameterError('identity previousIdentityExpires must be a valid Date');
  }
  const gen = identity.generation;
  if (gen !== undefined && (!Number.isSafeInteger(gen) || gen < 0)) {
    throw new BadParameterError('identity generation must be a non-negative integer');
  }
}

/**
 * Read the Teleport identity from a certificate's subject; `expires` is its NotAfter.
 * Throws BadParameterError when the certificate or the encoded identity is malformed.
 */
export function identityFromCertificate(cert: string | NodeX509Certificate): Identity {
  // The auth server reads the client certificate of every request (a node's heartbeat, every few
  // minutes on a new connection); a digest is cheaper still than reading its DER.
  const key = cert instanceof NodeX509Certificate ? cert.fingerprint256 : createHash('sha256').update(cert).digest('base64');
  return structuredClone(
    identities.get(key, () => {
      const parsed = certificateParts(cert instanceof NodeX509Certificate ? cert.raw : cert);
      const identity = identityFromSubject(decodeName(parsed.subject), parsed.notAfter);
      checkIdentity(identity);
      return identity;
    }),
  );
}

/** Identities read from certificates, by certificate digest: one per host of a large cluster, and its users. */
const identities = new BoundedCache<Identity>(20_000);
