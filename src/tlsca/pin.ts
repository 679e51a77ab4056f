/**
 * CA pins: `sha256:<hex>` of the CA certificate's DER SubjectPublicKeyInfo, how a joining node
 * checks it talks to the right auth server (`teleport start --ca-pin`).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';

const PIN = /^sha256:[0-9a-f]{64}$/i;

/** The pin of a CA certificate. Throws BadParameterError for a malformed certificate. */
export function caPin(certPem: string): string {
  let spki: Buffer;
  try {
    spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  } catch (err) {
    throw new BadParameterError('malformed CA certificate', { cause: err });
  }
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/**
 * Check a CA certificate against pins (any may match). Throws BadParameterError if a pin is not
 * `sha256:<64 hex>` or none is given, AccessDeniedError naming expected and actual pin on mismatch.
 */
export function checkCAPin(certPem: string, pins: string[]): void {
  if (pins.length === 0) throw new BadParameterError('no CA pins given');
  for (const pin of pins) {
    if (!PIN.test(pin)) {
      throw new BadParameterError(`malformed CA pin "${pin}": want sha256:<64 hex digits>`);
    }
  }
  const actual = caPin(certPem);
  if (pins.some((pin) => pin.toLowerCase() === actual)) return;
  throw new AccessDeniedError(
    `CA pin mismatch: expected ${pins.join(' or ')}, got ${actual}`,
  );
}
