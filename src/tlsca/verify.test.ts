import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import { generateCA, issueCertificate, verifyChain } from './index.js';

const HOUR = 3_600_000;

describe('verifyChain', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const ca = await generateCA({ clusterName: 'main', type: 'user', clock, ttlMs: 48 * HOUR });
  const other = await generateCA({ clusterName: 'main', type: 'user', clock });
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const identity = { username: 'alice', groups: ['access'], expires: new Date(clock.now() + HOUR) };
  const cert = await issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, publicKey, identity, clock });
  const at = (ms: number) => new Date(clock.now() + ms);

  it('accepts a certificate within its window signed by a trusted CA', () => {
    expect(() => verifyChain(cert, [other.certPem, ca.certPem], at(0))).not.toThrow();
    // NotBefore is one minute back to absorb clock skew.
    expect(() => verifyChain(cert, [ca.certPem], at(-59_000))).not.toThrow();
  });

  it.each([
    ['expired', HOUR + 1000, [ca.certPem], /expired/],
    ['not yet valid', -2 * 60_000, [ca.certPem], /not valid before/],
    ['from another CA', 0, [other.certPem], /not signed by a trusted CA/],
    ['no trusted CAs', 0, [], /not signed by a trusted CA/],
    ['its CA expired', 49 * HOUR, [ca.certPem], /CA certificate expired/],
  ])('refuses a certificate that is %s', (_name, offset, cas, message) => {
    expect(() => verifyChain(cert, cas as string[], at(offset as number))).toThrow(AccessDeniedError);
    expect(() => verifyChain(cert, cas as string[], at(offset as number))).toThrow(message as RegExp);
  });

  it('refuses a leaf used as a CA', async () => {
    const { privateKey, publicKey: pub2 } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const leafKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    // A certificate whose "issuer" is a leaf: issuance itself refuses, so check the verifier directly.
    await expect(issueCertificate({ caCertPem: cert, caKeyPem: leafKeyPem, publicKey: pub2, identity, clock }))
      .rejects.toThrow(BadParameterError);
    expect(() => verifyChain(cert, [cert], at(0))).toThrow(AccessDeniedError);
  });

  it('reports malformed input as BadParameterError', () => {
    expect(() => verifyChain('junk', [ca.certPem], at(0))).toThrow(BadParameterError);
    expect(() => verifyChain(cert, ['junk'], at(0))).toThrow(BadParameterError);
  });
});
