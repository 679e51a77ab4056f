/**
 * Certificates from the cluster's `db` CA (Teleport's GenerateDatabaseCert): the server
 * certificate a self-hosted database presents (`tctl auth sign --format=db`), and the client
 * certificate a database service logs in to it with (CN = the database user, which PostgreSQL's
 * `cert` authentication and MySQL's `REQUIRE SUBJECT` check).
 */
import type { Clock } from '../api/clock.js';
import { HOUR } from '../api/duration.js';
import { BadParameterError } from '../api/errors.js';
import type { DatabaseCertRequest, DatabaseCertResponse } from '../api/auth-wire.js';
import type { CertAuthority } from '../api/types/index.js';
import { issueCertificate } from '../tlsca/index.js';
import { caSigner, caTLSCerts } from './authorities.js';

/** Longest a database certificate may live: Teleport's `tctl auth sign --ttl=87600h` (ten years). */
export const MAX_DB_CERT_TTL = 87_600 * HOUR;

/** What may appear as a CN or SAN: a user name or a host name, no separators an identity could be forged with. */
const NAME = /^[A-Za-z0-9_.@:*-]{1,253}$/;

/**
 * Signs `req.public_key` with the `db` CA. Throws BadParameterError for a missing or odd common
 * name, SAN or key, or a TTL outside (0, 10 years].
 */
export async function issueDatabaseCert(dbCA: CertAuthority, req: DatabaseCertRequest, clock: Clock): Promise<DatabaseCertResponse> {
  if (typeof req?.public_key !== 'string' || req.public_key === '') throw new BadParameterError('missing public_key');
  if (typeof req.common_name !== 'string' || !NAME.test(req.common_name)) {
    throw new BadParameterError(`invalid common_name ${JSON.stringify(req.common_name)}: a database user or host name`);
  }
  const names = req.server_names ?? [];
  if (!Array.isArray(names) || names.length > 64) throw new BadParameterError('server_names must be a list of at most 64 names');
  for (const n of names) if (typeof n !== 'string' || !NAME.test(n)) throw new BadParameterError(`invalid server name ${JSON.stringify(n)}`);
  const ttl = req.ttl_ms;
  if (typeof ttl !== 'number' || !(ttl > 0) || ttl > MAX_DB_CERT_TTL) throw new BadParameterError('ttl_ms must be above zero and at most 87600h');
  const signer = caSigner(dbCA);
  const cert = await issueCertificate({
    caCertPem: signer.tlsCertPem(),
    caKeyPem: signer.tlsKeyPem(),
    publicKey: req.public_key,
    // O carries the cluster name, as Teleport's database certificates do.
    identity: { username: req.common_name, groups: [dbCA.spec.cluster_name], expires: new Date(clock.now() + ttl) },
    dnsNames: names,
    clock,
    keyUsage: 'both',
  });
  return { cert, ca_certs: caTLSCerts(dbCA) };
}
