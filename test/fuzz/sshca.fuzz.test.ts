/**
 * Fuzzing the SSH certificate parser and verifier (src/sshca), structure-aware: certificates built
 * field by field with random types, principals, validity windows, critical options and extensions,
 * properly signed by a trusted CA, an untrusted one, or a certificate, then sometimes damaged.
 * src/sshca/cert-fuzz.test.ts flips bytes of valid certificates; this one asks the harder question:
 * does the verifier's verdict match what OpenSSH's rules say for those fields? Plus private keys
 * and authorized_keys lines with bytes changed. Every input parses or is refused with
 * BadParameterError; verification passes or fails with AccessDeniedError, and passes exactly when
 * the fields allow it.
 */
import { describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../../src/api/errors.js';
import {
  SSHWriter,
  encodeOpenSSHPrivateKey,
  formatAuthorizedKey,
  generateKeyPair,
  parseAuthorizedKey,
  parseCertificate,
  parsePrivateKey,
  publicKeyToBlob,
  signSSH,
  verifyCertificate,
  type SSHCertificate,
} from '../../src/sshca/index.js';
import { expectTypedError, caseCount, fuzz, report, TEST_TIMEOUT_MS, type Rand } from './harness.js';

const NOW = 1_900_000_000n; // 2030-03-17, seconds
const CA = generateKeyPair('ed25519').privateKey;
const CA_EC = generateKeyPair('ecdsa-p256').privateKey;
const UNTRUSTED = generateKeyPair('ed25519').privateKey;
const TRUSTED = [publicKeyToBlob(CA), publicKeyToBlob(CA_EC)];
const KEYS = [generateKeyPair('ed25519').publicKey, generateKeyPair('ecdsa-p256').publicKey].map((k) => publicKeyToBlob(k));

/** source-address values and whether 10.1.1.1 may use them ('bad': the list is malformed). */
const SOURCE_ADDRESSES: [string, boolean | 'bad'][] = [
  ['10.0.0.0/8', true],
  ['10.1.1.1', true],
  ['10.1.1.1/32,::1/128', true],
  ['0.0.0.0/0', true],
  ['192.168.0.0/16', false],
  ['::/0', false],
  ['10.0.0.0/33', 'bad'],
  ['', 'bad'],
  ['garbage', 'bad'],
  ['10.1.1.1/32,bad', 'bad'],
];

interface CertCase {
  blob: Buffer;
  /** What verification must say when the blob was not damaged afterwards. */
  expect: 'ok' | 'denied' | 'unparsable';
  damaged: boolean;
  why: string;
}

function genCert(rnd: Rand): CertCase {
  const reasons: string[] = [];
  const keyBlob = rnd.pick(KEYS);
  const key = new SSHWriter().raw(keyBlob).toBuffer();
  const plainType = key.subarray(4, 4 + key.readUInt32BE(0)).toString();
  const typeNum = rnd.chance(0.85) ? 1 : rnd.pick([2, 0, 3, 0xffffffff]);
  if (typeNum !== 1 && typeNum !== 2) reasons.push('unparsable: certificate type');
  else if (typeNum !== 1) reasons.push('denied: host certificate');
  const principals = rnd.chance(0.8) ? ['bob', 'alice'].slice(rnd.int(2)) : rnd.pick([[], ['ALICE'], ['alice\u0000'], ['*'], ['']]);
  if (!principals.includes('alice')) reasons.push('denied: principal');
  const window = rnd.pick([
    [NOW - 60n, NOW + 60n, true],
    [NOW, NOW + 1n, true],
    [NOW + 1n, NOW + 100n, false],
    [NOW - 100n, NOW, false],
    [0n, 0xffff_ffff_ffff_ffffn, true],
    [NOW + 60n, NOW - 60n, false],
  ] as const);
  if (!window[2]) reasons.push('denied: validity');
  const critical: [string, string][] = [];
  if (rnd.chance(0.4)) {
    const [value, allowed] = rnd.pick(SOURCE_ADDRESSES);
    critical.push(['source-address', value]);
    if (allowed !== true) reasons.push('denied: source-address');
  }
  if (rnd.chance(0.2)) critical.push(['force-command', rnd.pick(['id', ''])]);
  if (rnd.chance(0.1)) {
    critical.push([rnd.pick(['verify-required', 'no-touch-required', 'x-unknown@example.com']), '']);
    reasons.push('denied: unknown critical option');
  }
  if (rnd.chance(0.05) && critical.length > 0) {
    critical.push(critical[0]);
    reasons.push('unparsable: repeated option');
  }
  const signer = rnd.chance(0.85) ? rnd.pick([CA, CA_EC]) : UNTRUSTED;
  if (signer === UNTRUSTED) reasons.push('denied: untrusted CA');
  const options = (list: [string, string][]) => {
    const w = new SSHWriter();
    for (const [name, value] of list) w.string(name).string(value === '' ? Buffer.alloc(0) : new SSHWriter().string(value).toBuffer());
    return w.toBuffer();
  };
  const pw = new SSHWriter();
  for (const p of principals) pw.string(p);
  const body = new SSHWriter()
    .string(plainType + '-cert-v01@openssh.com')
    .string(rnd.bytes(rnd.chance(0.9) ? 32 : rnd.int(64)))
    .raw(key.subarray(4 + key.readUInt32BE(0)))
    .uint64(BigInt(rnd.int(1000)))
    .uint32(typeNum)
    .string(rnd.chance(0.9) ? 'alice@example.com' : rnd.text(rnd.int(300)))
    .string(pw.toBuffer())
    .uint64(window[0])
    .uint64(window[1])
    .string(options(critical))
    .string(options(rnd.chance(0.5) ? [['permit-pty', ''], ['teleport-roles', '{"roles":["access"]}']] : []))
    .string('')
    .string(publicKeyToBlob(signer))
    .toBuffer();
  let signature = signSSH(signer, body);
  if (rnd.chance(0.05)) {
    signature = Buffer.from(signature);
    signature[signature.length - 1 - rnd.int(8)] ^= 1 << rnd.int(8);
    reasons.push('denied: signature');
  }
  let blob = new SSHWriter().raw(body).string(signature).toBuffer();
  const damaged = rnd.chance(0.1);
  if (damaged) {
    blob = Buffer.from(blob);
    for (let k = 1 + rnd.int(3); k > 0; k--) blob[rnd.int(blob.length)] = rnd.int(256);
  }
  const expectVerdict = reasons.some((r) => r.startsWith('unparsable')) ? 'unparsable' : reasons.length > 0 ? 'denied' : 'ok';
  return { blob, expect: expectVerdict, damaged, why: reasons.join('; ') || 'valid' };
}

describe('SSH certificate fuzz', () => {
  it('verifies exactly the certificates whose fields allow the login, refusing the rest with typed errors', { timeout: TEST_TIMEOUT_MS }, async () => {
    const counts = { ok: 0, denied: 0, unparsable: 0 };
    await fuzz<CertCase>({
      name: 'sshca-cert',
      cases: 2000,
      gen: genCert,
      run: (c) => {
        let cert: SSHCertificate;
        try {
          cert = parseCertificate(c.blob);
        } catch (err) {
          expectTypedError(err);
          counts.unparsable++;
          if (!c.damaged) expect(c.expect).toBe('unparsable');
          return;
        }
        let verdict: 'ok' | 'denied' = 'ok';
        try {
          verifyCertificate(cert, { trustedCAs: TRUSTED, now: Number(NOW) * 1000, type: 'user', principal: 'alice', sourceAddress: '10.1.1.1' });
        } catch (err) {
          expect(err).toBeInstanceOf(AccessDeniedError);
          verdict = 'denied';
        }
        counts[verdict]++;
        if (!c.damaged) expect(verdict).toBe(c.expect);
        // Whatever the damage, nothing verifies unless a trusted CA signed exactly these bytes.
        if (verdict === 'ok') expect(TRUSTED.some((k) => k.equals(cert.signatureKey))).toBe(true);
      },
      show: (c) => `${c.why}${c.damaged ? ' (damaged)' : ''}: ${c.blob.toString('base64')}`,
    });
    report('sshca-cert', counts);
    expect(counts.ok).toBeGreaterThan(caseCount(100));
    expect(counts.denied).toBeGreaterThan(caseCount(300));
  });

  it('reads private keys and authorized_keys lines with bytes changed, or refuses them with BadParameterError', { timeout: TEST_TIMEOUT_MS }, async () => {
    const pems = [generateKeyPair('ed25519'), generateKeyPair('ecdsa-p256')].map((k) => encodeOpenSSHPrivateKey(k.privateKey, 'fuzz'));
    const authorizedKeys = KEYS.map((k) => formatAuthorizedKey(k, 'alice@laptop'));
    const counts = { read: 0, refused: 0 };
    await fuzz<{ kind: 'key' | 'line'; text: string }>({
      name: 'sshca-keys',
      cases: 1500,
      gen: (rnd) => {
        const kind = rnd.chance(0.5) ? 'key' : 'line';
        let text = kind === 'key' ? rnd.pick(pems) : rnd.pick(authorizedKeys);
        if (kind === 'key' && rnd.chance(0.7)) {
          // Change bytes inside the base64 body: the decoder sees a structurally damaged key.
          const lines = text.trim().split('\n');
          const bytes = Buffer.from(lines.slice(1, -1).join(''), 'base64');
          for (let k = 1 + rnd.int(4); k > 0; k--) bytes[rnd.int(bytes.length)] = rnd.int(256);
          text = [lines[0], ...(bytes.toString('base64').match(/.{1,70}/g) ?? []), lines[lines.length - 1], ''].join('\n');
        } else {
          const i = rnd.int(text.length + 1);
          text = text.slice(0, i) + rnd.pick(['', ' ', '\n', '=', '!', 'AAAA', '-----END OPENSSH PRIVATE KEY-----', rnd.text(8)]) + text.slice(i + rnd.int(6));
        }
        return { kind, text };
      },
      run: ({ kind, text }) => {
        try {
          if (kind === 'key') parsePrivateKey(text);
          else parseAuthorizedKey(text);
          counts.read++;
        } catch (err) {
          expectTypedError(err);
          counts.refused++;
        }
      },
    });
    report('sshca-keys', counts);
    expect(counts.refused).toBeGreaterThan(caseCount(300));
  });
});
