import { describe, expect, it } from 'vitest';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import { parseCertificate, signCertificate, type SSHCertificate } from './cert.js';
import { verifyCertificate } from './cert-verify.js';
import { generateKeyPair, type KeyAlgorithm, publicKeyToBlob } from './keys.js';

/** mulberry32: a seeded PRNG so a failure replays exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const when = new Date('2030-01-01T00:00:00Z');
function base(caAlg: KeyAlgorithm, keyAlg: KeyAlgorithm) {
  const ca = generateKeyPair(caAlg).privateKey;
  const cert = signCertificate({
    type: 'user',
    publicKey: generateKeyPair(keyAlg).publicKey,
    keyId: 'fuzz@example.com',
    principals: ['alice', 'bob', 'root'],
    validAfter: new Date(when.getTime() - 3_600_000),
    validBefore: new Date(when.getTime() + 3_600_000),
    serial: 99n,
    criticalOptions: { 'source-address': '10.0.0.0/8', 'force-command': 'id' },
    extensions: { 'permit-pty': '', 'teleport-roles': '{"roles":["access"]}' },
    caPrivateKey: ca,
  });
  return { cert, ca: publicKeyToBlob(ca) };
}

type Mutation = (b: Buffer, rnd: () => number) => Buffer;
const int = (rnd: () => number, n: number) => Math.floor(rnd() * n);
const mutations: Mutation[] = [
  (b, rnd) => b.subarray(0, int(rnd, b.length)),
  (b, rnd) => {
    const c = Buffer.from(b);
    for (let i = 1 + int(rnd, 3); i > 0; i--) c[int(rnd, c.length)] ^= 1 << int(rnd, 8);
    return c;
  },
  (b, rnd) => {
    // Overwrite what may be a length prefix with a large or off-by-a-little value.
    const c = Buffer.from(b);
    const at = int(rnd, c.length - 4);
    const v = [0xffffffff, 0x7fffffff, c.readUInt32BE(at) + 1, c.readUInt32BE(at) - 1, int(rnd, 2 ** 32)][int(rnd, 5)];
    c.writeUInt32BE(Math.max(0, v) >>> 0, at);
    return c;
  },
  (b, rnd) => {
    const at = int(rnd, b.length);
    const junk = Buffer.from(Array.from({ length: 1 + int(rnd, 8) }, () => int(rnd, 256)));
    return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
  },
  (b, rnd) => {
    const at = int(rnd, b.length);
    return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(rnd, 16))]);
  },
];

describe('parseCertificate on hostile input', () => {
  const bases: [string, { cert: SSHCertificate; ca: Buffer }][] = [
    ['ed25519/ed25519', base('ed25519', 'ed25519')],
    ['ecdsa/ecdsa', base('ecdsa-p256', 'ecdsa-p256')],
    ['rsa/rsa', base('rsa2048', 'rsa2048')],
  ];

  it('2,000 truncations and bit flips throw only BadParameterError, and never verify', { timeout: 60_000 }, () => {
    const rnd = prng(0x5eed);
    const counts = { parsed: 0, rejected: 0, verified: 0 };
    for (let i = 0; i < 2000; i++) {
      const [, { cert, ca }] = bases[i % bases.length];
      const mutated = mutations[int(rnd, mutations.length)](cert.blob, rnd);
      let parsed: SSHCertificate | undefined;
      try {
        parsed = parseCertificate(i % 10 === 0 ? `${cert.keyType} ${mutated.toString('base64')}` : mutated);
      } catch (err) {
        if (!(err instanceof BadParameterError)) {
          throw new Error(`iteration ${i}: ${String(err)} (${mutated.toString('base64')})`, { cause: err });
        }
        counts.rejected++;
        continue;
      }
      counts.parsed++;
      try {
        verifyCertificate(parsed, { trustedCAs: [ca], now: when, type: 'user', principal: 'alice', sourceAddress: '10.1.1.1' });
        counts.verified++;
        // Only an unchanged signed part may verify (e.g. a bit flip inside a signature's padding is impossible).
        expect(parsed.blob.equals(cert.blob)).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(AccessDeniedError);
      }
    }
    expect(counts.rejected).toBeGreaterThan(1000);
    expect(counts.parsed).toBeGreaterThan(0);
  });

  it('the unmutated bases verify (so the loop above can tell a pass from a fail)', () => {
    for (const [, { cert, ca }] of bases) {
      expect(() =>
        verifyCertificate(cert, { trustedCAs: [ca], now: when, type: 'user', principal: 'alice', sourceAddress: '10.1.1.1' }),
      ).not.toThrow();
    }
  });

  const garbage: [string, Buffer | string][] = [
    ['empty buffer', Buffer.alloc(0)],
    ['empty string', ''],
    ['random bytes', Buffer.from('00000004deadbeef', 'hex')],
    ['type only', Buffer.from('0000002073736832d6564323535313932d636572742d763031406f70656e7373682e636f6d', 'hex')],
    ['4 GiB length', Buffer.from('ffffffff', 'hex')],
    ['garbage line', 'ssh-ed25519-cert-v01@openssh.com !!!'],
  ];
  it.each(garbage)('rejects %s with BadParameterError', (_n, input) => {
    expect(() => parseCertificate(input)).toThrow(BadParameterError);
  });
});
