/** CA pins as Teleport prints them: `sha256:` + hex of SHA-256 over the CA's DER SubjectPublicKeyInfo. */
import { createHash, X509Certificate } from 'node:crypto';
import { AccessDeniedError, BadParameterError } from '../errors.js';

/** The pin of a CA certificate (PEM). */
export function pinOf(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return 'sha256:' + createHash('sha256').update(spki).digest('hex');
}

/** Throws BadParameterError unless every pin looks like `sha256:<64 hex>`. */
export function checkPinSyntax(pins: string[]): void {
  for (const p of pins) {
    if (!/^sha256:[0-9a-f]{64}$/i.test(p)) throw new BadParameterError(`invalid CA pin "${p}": expected sha256:<64 hex characters>, as "tctl status" prints it`);
  }
}

/**
 * Returns the CA certificates matching one of `pins`; AccessDeniedError when none matches, naming
 * the pin the server offered so an operator can see what is wrong.
 */
export function matchPins(caPems: string[], pins: string[]): string[] {
  checkPinSyntax(pins);
  const wanted = new Set(pins.map((p) => p.toLowerCase()));
  const matched = caPems.filter((pem) => wanted.has(pinOf(pem)));
  if (matched.length === 0) {
    const offered = caPems.map(pinOf).join(', ') || 'none';
    throw new AccessDeniedError(`the auth server's CA does not match the pin: expected ${pins.join(' or ')}, the server has ${offered}`);
  }
  return matched;
}
