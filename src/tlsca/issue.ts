/**
 * Issuing leaf certificates for Teleport identities, as Teleport's `GenerateCertificate` does:
 * NotBefore one minute back, NotAfter the identity's expiry, random 128-bit serial, CA:false.
 */
import type { KeyObject, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { systemClock, type Clock } from '../api/clock.js';
import { BadParameterError } from '../api/errors.js';
import { BoundedCache, cachedPromise } from './bounded-cache.js';
import { checkIdentity, parseCertificate } from './identity.js';
import type { Identity } from './identity-type.js';
import { importSigningKey, spkiDer, toPem } from './keys.js';
import { randomSerial } from './serial.js';
import { identitySubject } from './subject.js';
import { x509 } from './x509-provider.js';

/** Which TLS roles an issued certificate may play (extended key usage). */
export type CertKeyUsage = 'client' | 'server' | 'both';

/** Options for `issueCertificate`. */
export interface IssueCertificateOptions {
  caCertPem: string;
  caKeyPem: string;
  /** The subject's public key: a KeyObject (a private one is reduced to its public half) or SPKI PEM. */
  publicKey: KeyObject | string;
  identity: Identity;
  /** DNS SANs; entries that parse as IP addresses become IP SANs (as Teleport does). */
  dnsNames?: string[];
  ipAddresses?: string[];
  clock?: Clock;
  /** Default `both`. */
  keyUsage?: CertKeyUsage;
}

/** Split names into DNS and IP SANs, deduplicated, keeping first-seen order. */
function sortSANs(dnsNames: string[], ipAddresses: string[]): x509.JsonGeneralName[] {
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const name of dnsNames) {
    if (!name) throw new BadParameterError('empty DNS name in certificate request');
    (isIP(name) ? ips : dns).add(name);
  }
  for (const ip of ipAddresses) {
    if (!isIP(ip)) throw new BadParameterError(`"${ip}" is not an IP address`);
    ips.add(ip);
  }
  return [
    ...[...dns].map((value) => ({ type: 'dns' as const, value })),
    ...[...ips].map((value) => ({ type: 'ip' as const, value })),
  ];
}

const EKU: Record<CertKeyUsage, string[]> = {
  client: [x509.ExtendedKeyUsage.clientAuth],
  server: [x509.ExtendedKeyUsage.serverAuth],
  both: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
};

/**
 * The CA certificates and keys issuance has read, by PEM: a cluster has a few, and every host join
 * and user login signs with one (parsing and importing them each time cost a fifth of a join).
 * A rejected promise is dropped so that the next call reports the error again.
 */
const issuers = new BoundedCache<Promise<{ ca: x509.X509Certificate; caKeyId: string }>>(16);
const signers = new BoundedCache<Promise<{ key: webcrypto.CryptoKey; hash: string }>>(16);

async function readIssuer(caCertPem: string): Promise<{ ca: x509.X509Certificate; caKeyId: string }> {
  const ca = parseCertificate(caCertPem);
  const caConstraints = ca.getExtension(x509.BasicConstraintsExtension);
  if (!caConstraints?.ca) throw new BadParameterError('issuer certificate is not a CA');
  const caKeyId = ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? (await x509.SubjectKeyIdentifierExtension.create(ca.publicKey)).keyId;
  return { ca, caKeyId };
}

/**
 * Sign a certificate for `identity` with the CA. Returns PEM. Throws BadParameterError for a
 * malformed CA, key, identity or SAN, or an expiry that is not after NotBefore.
 */
export async function issueCertificate(opts: IssueCertificateOptions): Promise<string> {
  checkIdentity(opts.identity);
  const keyUsage = opts.keyUsage ?? 'both';
  if (!EKU[keyUsage]) throw new BadParameterError(`unknown key usage "${String(keyUsage)}"`);
  const notBefore = new Date((opts.clock ?? systemClock).now() - 60_000);
  if (opts.identity.expires.getTime() <= notBefore.getTime()) {
    throw new BadParameterError('identity expires before the certificate would become valid');
  }
  const { ca, caKeyId } = await cachedPromise(issuers, opts.caCertPem, () => readIssuer(opts.caCertPem));
  const subjectKey = spkiDer(opts.publicKey);
  const signer = await cachedPromise(signers, opts.caKeyPem, () => importSigningKey(opts.caKeyPem));
  const sans = sortSANs(opts.dnsNames ?? [], opts.ipAddresses ?? []);
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension(EKU[keyUsage]),
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.AuthorityKeyIdentifierExtension(caKeyId),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: new x509.Name(identitySubject(opts.identity)),
    issuer: ca.subjectName,
    notBefore,
    notAfter: opts.identity.expires,
    publicKey: subjectKey,
    signingKey: signer.key,
    signingAlgorithm: { name: signer.key.algorithm.name, hash: signer.hash },
    extensions,
  });
  return toPem(cert.rawData, 'CERTIFICATE');
}
