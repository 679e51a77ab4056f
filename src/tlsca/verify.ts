/**
 * Verifying a leaf certificate against trusted CA certificates (one level, as Teleport's CAs
 * sign leaves directly): issuer name, signature, CA flag and validity windows at a given time.
 */
import { X509Certificate } from 'node:crypto';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import { certificateParts } from './cert-der.js';
import { decodeName } from './name-der.js';
import { X520 } from './oids.js';

function parseNode(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new BadParameterError(`malformed ${what}`, { cause: err });
  }
}

function checkValidity(pem: string, now: Date, what: string): void {
  const { notBefore, notAfter } = certificateParts(pem);
  if (now.getTime() < notBefore.getTime()) {
    throw new AccessDeniedError(`${what} is not valid before ${notBefore.toISOString()}`);
  }
  if (now.getTime() > notAfter.getTime()) {
    throw new AccessDeniedError(`${what} expired at ${notAfter.toISOString()}`);
  }
}

/**
 * Check that `certPem` was signed by one of `caCertPems` and that both are valid at `now`.
 * Throws AccessDeniedError when untrusted or out of validity, BadParameterError when malformed.
 */
export function verifyChain(certPem: string, caCertPems: string[], now: Date): void {
  const leaf = parseNode(certPem, 'certificate');
  const cas = caCertPems.map((pem) => ({ pem, cert: parseNode(pem, 'CA certificate') }));
  const issuer = cas.find(({ cert }) => cert.ca && leaf.checkIssued(cert) && leaf.verify(cert.publicKey));
  if (!issuer) {
    const cn = decodeName(certificateParts(certPem).subject).getField(X520.commonName)[0] ?? '';
    throw new AccessDeniedError(`certificate for "${cn}" is not signed by a trusted CA`);
  }
  checkValidity(issuer.pem, now, 'CA certificate');
  checkValidity(certPem, now, 'certificate');
}
