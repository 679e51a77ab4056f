/**
 * `/.well-known/jwks.json`: the public keys of the cluster's `jwt` CA as a JSON Web Key Set, which
 * apps verify `teleport-jwt-assertion` against. Each key's `kid` is its RFC 7638 thumbprint, as in
 * the tokens' headers.
 */
import { createHash, createPublicKey } from 'node:crypto';

/** One RSA signing key of the set. */
export interface JWK {
  kty: string;
  alg: 'RS256';
  use: 'sig';
  kid: string;
  n: string;
  e: string;
}

/** The key set of `publicKeyPems` (keys that do not parse are left out). */
export function jwksDocument(publicKeyPems: readonly string[]): { keys: JWK[] } {
  const keys: JWK[] = [];
  for (const pem of publicKeyPems) {
    try {
      const jwk = createPublicKey(pem).export({ format: 'jwk' }) as { kty: string; n: string; e: string };
      const kid = createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
      keys.push({ kty: jwk.kty, alg: 'RS256', use: 'sig', kid, n: jwk.n, e: jwk.e });
    } catch {
      // A malformed stored key serves nothing rather than failing the whole set.
    }
  }
  return { keys };
}
