import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import { caPin, checkCAPin, generateCA } from './index.js';

/** `openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum`, in-process pipes. */
function opensslPin(certPem: string): string {
  const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout'], { input: certPem });
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: pub });
  const sum = execFileSync('sha256sum', [], { input: der, encoding: 'utf8' });
  return `sha256:${sum.split(' ')[0]}`;
}

describe('CA pins', () => {
  it.each(['ecdsa-p256', 'rsa2048'] as const)('match openssl for a %s CA', async (keyAlgorithm) => {
    const { certPem } = await generateCA({ clusterName: 'main', type: 'host', keyAlgorithm });
    const pin = caPin(certPem);
    expect(pin).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pin).toBe(opensslPin(certPem));
    expect(() => checkCAPin(certPem, [pin])).not.toThrow();
    expect(() => checkCAPin(certPem, [`sha256:${'0'.repeat(64)}`, pin.toUpperCase().replace('SHA256', 'sha256')])).not.toThrow();
  });

  it('refuses a wrong pin with AccessDeniedError naming both pins', async () => {
    const { certPem } = await generateCA({ clusterName: 'main', type: 'host' });
    const other = await generateCA({ clusterName: 'main', type: 'host' });
    const wrong = caPin(other.certPem);
    expect(() => checkCAPin(certPem, [wrong])).toThrow(AccessDeniedError);
    expect(() => checkCAPin(certPem, [wrong])).toThrow(wrong);
    expect(() => checkCAPin(certPem, [wrong])).toThrow(caPin(certPem));
  });

  it.each([
    ['no algorithm', 'a'.repeat(64)],
    ['wrong algorithm', `sha1:${'a'.repeat(64)}`],
    ['short', `sha256:${'a'.repeat(63)}`],
    ['not hex', `sha256:${'g'.repeat(64)}`],
    ['empty', ''],
  ])('refuses a malformed pin (%s) with BadParameterError', async (_name, pin) => {
    const { certPem } = await generateCA({ clusterName: 'main', type: 'host' });
    expect(() => checkCAPin(certPem, [caPin(certPem), pin])).toThrow(BadParameterError);
  });

  it('refuses an empty pin list and a malformed certificate', () => {
    expect(() => checkCAPin('x', [])).toThrow(BadParameterError);
    expect(() => caPin('not a certificate')).toThrow(BadParameterError);
  });
});
