import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import {
  blobToPublicKey,
  fingerprint,
  formatAuthorizedKey,
  generateKeyPair,
  type KeyAlgorithm,
  parseAuthorizedKey,
  publicKeyToBlob,
  sshKeyType,
} from './keys.js';
import { sshKeygenOk, tempDir } from './testing/keygen.js';
import { SSHWriter } from './wire.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

const ours: [KeyAlgorithm, string][] = [
  ['ed25519', 'ssh-ed25519'],
  ['ecdsa-p256', 'ecdsa-sha2-nistp256'],
  ['rsa2048', 'ssh-rsa'],
];

describe('public key blobs', () => {
  it.each(ours)('%s round-trips through the wire blob', (alg, type) => {
    const { publicKey, privateKey } = generateKeyPair(alg);
    const blob = publicKeyToBlob(publicKey);
    expect(sshKeyType(blob)).toBe(type);
    expect(publicKeyToBlob(privateKey)).toEqual(blob);
    const back = blobToPublicKey(blob);
    expect(back.export({ format: 'jwk' })).toEqual(publicKey.export({ format: 'jwk' }));
  });

  it('handles P-384 and P-521 keys', () => {
    for (const [curve, type] of [
      ['secp384r1', 'ecdsa-sha2-nistp384'],
      ['secp521r1', 'ecdsa-sha2-nistp521'],
    ]) {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const blob = publicKeyToBlob(publicKey);
      expect(sshKeyType(blob)).toBe(type);
      expect(publicKeyToBlob(blobToPublicKey(blob))).toEqual(blob);
    }
  });

  it('refuses unsupported KeyObjects', () => {
    expect(() => publicKeyToBlob(generateKeyPairSync('ed448').publicKey)).toThrow(BadParameterError);
    expect(() => publicKeyToBlob(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey)).toThrow(
      BadParameterError,
    );
  });

  const ed = publicKeyToBlob(generateKeyPair('ed25519').publicKey);
  const ec = publicKeyToBlob(generateKeyPair('ecdsa-p256').publicKey);
  const offCurve = Buffer.from(ec);
  offCurve[offCurve.length - 1] ^= 1;
  const small = generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey.export({ format: 'jwk' });
  const malformed: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['truncated ed25519', ed.subarray(0, ed.length - 1)],
    ['trailing bytes', Buffer.concat([ed, Buffer.from([0])])],
    ['unknown type', new SSHWriter().string('ssh-dss').string('x').toBuffer()],
    ['ecdsa curve mismatch', new SSHWriter().string('ecdsa-sha2-nistp384').raw(ec.subarray(23)).toBuffer()],
    ['ecdsa point off the curve', offCurve],
    ['compressed ecdsa point', new SSHWriter().string('ecdsa-sha2-nistp256').string('nistp256').string(Buffer.alloc(33, 2)).toBuffer()],
    [
      '512-bit RSA',
      new SSHWriter()
        .string('ssh-rsa')
        .mpint(Buffer.from(small.e!, 'base64url'))
        .mpint(Buffer.from(small.n!, 'base64url'))
        .toBuffer(),
    ],
    ['even RSA exponent', new SSHWriter().string('ssh-rsa').mpint(4n).mpint(Buffer.alloc(256, 0x7f)).toBuffer()],
    ['certificate blob', new SSHWriter().string('ssh-ed25519-cert-v01@openssh.com').toBuffer()],
  ];
  it.each(malformed)('blobToPublicKey throws BadParameterError on %s', (_n, blob) => {
    expect(() => blobToPublicKey(blob)).toThrow(BadParameterError);
  });
});

describe('interop with ssh-keygen', () => {
  const generated: [string, string[]][] = [
    ['ed25519', ['-t', 'ed25519']],
    ['ecdsa256', ['-t', 'ecdsa', '-b', '256']],
    ['ecdsa384', ['-t', 'ecdsa', '-b', '384']],
    ['ecdsa521', ['-t', 'ecdsa', '-b', '521']],
    ['rsa3072', ['-t', 'rsa', '-b', '3072']],
  ];
  it.each(generated)('public key line and fingerprint of an ssh-keygen %s key match', async (name, args) => {
    const file = tmp.path(`gen-${name}`);
    await sshKeygenOk([...args, '-q', '-N', '', '-C', 'me@host two', '-f', file], tmp.dir);
    const pubLine = (await readFile(`${file}.pub`, 'utf8')).trim();
    const parsed = parseAuthorizedKey(pubLine);
    expect(parsed.comment).toBe('me@host two');
    expect(formatAuthorizedKey(parsed.blob, parsed.comment)).toBe(pubLine);
    expect(formatAuthorizedKey(blobToPublicKey(parsed.blob), 'me@host two')).toBe(pubLine);
    const printed = await sshKeygenOk(['-l', '-f', `${file}.pub`], tmp.dir);
    expect(printed.split(' ')[1]).toBe(fingerprint(parsed.blob));
  });

  it.each(ours)('ssh-keygen -l prints our fingerprint for our %s key', async (alg) => {
    const { publicKey } = generateKeyPair(alg);
    const file = tmp.path(`ours-${alg}.pub`);
    await writeFile(file, `${formatAuthorizedKey(publicKey, 'c')}\n`);
    const printed = await sshKeygenOk(['-l', '-f', file], tmp.dir);
    expect(printed.split(' ')[1]).toBe(fingerprint(publicKey));
    expect(fingerprint(publicKey)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('parseAuthorizedKey', () => {
  const blob = publicKeyToBlob(generateKeyPair('ed25519').publicKey);
  const b64 = blob.toString('base64');

  it('reads plain, commented and option-prefixed lines', () => {
    expect(parseAuthorizedKey(`ssh-ed25519 ${b64}`)).toEqual({ type: 'ssh-ed25519', blob, comment: '' });
    expect(parseAuthorizedKey(`  ssh-ed25519 ${b64}  alice at  laptop \n`).comment).toBe('alice at  laptop');
    const withOpts = parseAuthorizedKey(`command="echo a b",no-pty ssh-ed25519 ${b64} bob`);
    expect(withOpts).toEqual({
      type: 'ssh-ed25519',
      blob,
      comment: 'bob',
      options: 'command="echo a b",no-pty',
    });
  });

  const bad: [string, string][] = [
    ['empty line', ''],
    ['comment line', `# ssh-ed25519 ${b64}`],
    ['unsupported type', `ssh-dss ${b64}`],
    ['missing data', 'ssh-ed25519'],
    ['bad base64', 'ssh-ed25519 AAAA$$$$'],
    ['type mismatch', `ssh-rsa ${b64}`],
    ['truncated data', `ssh-ed25519 ${blob.subarray(0, 6).toString('base64')}`],
  ];
  it.each(bad)('throws BadParameterError on %s', (_n, line) => {
    expect(() => parseAuthorizedKey(line)).toThrow(BadParameterError);
  });

  it('formats without a comment and strips newlines from one', () => {
    expect(formatAuthorizedKey(blob)).toBe(`ssh-ed25519 ${b64}`);
    expect(formatAuthorizedKey(blob, 'a\nb')).toBe(`ssh-ed25519 ${b64} a b`);
  });
});
