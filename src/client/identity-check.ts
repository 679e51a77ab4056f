/**
 * An identity (file from `tctl auth sign`, or the auth server's admin identity) checked before any
 * connection uses it: a tampered or truncated file is a user error naming the file and what is wrong
 * with it, not an OpenSSL message ("key values mismatch") from deep in a TLS handshake.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { BadParameterError } from '../api/errors.js';
import type { IdentityBundle } from '../api/identity-file.js';

/**
 * Throws BadParameterError "<source> is damaged: ..." when the private key or a certificate cannot be
 * read or the key does not belong to the TLS certificate. `source` names the file
 * (`identity file /path`); `remedy` says how to get a good one.
 */
export function checkIdentityIntegrity(identity: IdentityBundle, source: string, remedy: string): void {
  const damaged = (what: string, err?: unknown): BadParameterError => new BadParameterError(`${source} is damaged: ${what}; ${remedy}`, { cause: err });
  let key: KeyObject;
  try {
    key = createPrivateKey(identity.keyPem);
  } catch (err) {
    throw damaged('its private key cannot be read', err);
  }
  const certs = [...(identity.tlsCert ? [identity.tlsCert] : []), ...identity.tlsCAs];
  const parsed = certs.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch (err) {
      throw damaged(i === 0 && identity.tlsCert ? 'its TLS certificate cannot be read' : 'a certificate authority certificate in it cannot be read', err);
    }
  });
  if (identity.tlsCert && !parsed[0].checkPrivateKey(key)) throw damaged('its private key does not belong to its TLS certificate');
}
