import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { fingerprint, generateKeyPair, publicKeyToBlob } from './keys.js';
import { signatureAlgorithm, signSSH, verifySSH } from './signature.js';
import { sshKeygen, tempDir } from './testing/keygen.js';
import { formatSSHSIG, sshsigSignedData } from './testing/sshsig.js';
import { SSHReader, SSHWriter } from './wire.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

const rsa = generateKeyPair('rsa2048').privateKey;
const keys: [string, KeyObject, string][] = [
  ['ed25519', generateKeyPair('ed25519').privateKey, 'ssh-ed25519'],
  ['ecdsa-p256', generateKeyPair('ecdsa-p256').privateKey, 'ecdsa-sha2-nistp256'],
  ['ecdsa-p384', generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey, 'ecdsa-sha2-nistp384'],
  ['ecdsa-p521', generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).privateKey, 'ecdsa-sha2-nistp521'],
  ['rsa', rsa, 'rsa-sha2-512'],
];
const data = Buffer.from('the data to sign');

describe('signSSH / verifySSH', () => {
  it.each(keys)('%s signs and verifies; other data fails', (_n, key, alg) => {
    const sig = signSSH(key, data);
    expect(signatureAlgorithm(sig)).toBe(alg);
    const blob = publicKeyToBlob(key);
    expect(verifySSH(blob, data, sig)).toBe(true);
    expect(verifySSH(blob, Buffer.from('other data'), sig)).toBe(false);
  });

  it.each(keys)('%s: every single bit flip of the signature fails without throwing', (_n, key) => {
    const sig = signSSH(key, data);
    const blob = publicKeyToBlob(key);
    for (let i = 0; i < sig.length; i += Math.max(1, Math.floor(sig.length / 40))) {
      const bad = Buffer.from(sig);
      bad[i] ^= 0x10;
      expect(verifySSH(blob, data, bad)).toBe(false);
    }
  });

  it('ECDSA signatures are mpint r, mpint s', () => {
    const sig = signSSH(keys[1][1], data);
    const r = new SSHReader(sig);
    r.text();
    const inner = new SSHReader(r.string());
    expect(inner.mpint().length).toBeLessThanOrEqual(32);
    expect(inner.mpint().length).toBeLessThanOrEqual(32);
    inner.end();
  });

  it('RSA signs with rsa-sha2-256 when asked', () => {
    const sig = signSSH(rsa, data, 'rsa-sha2-256');
    expect(signatureAlgorithm(sig)).toBe('rsa-sha2-256');
    expect(verifySSH(publicKeyToBlob(rsa), data, sig)).toBe(true);
  });

  it('refuses SHA-1 ssh-rsa signatures even when mathematically valid', () => {
    const sha1 = new SSHWriter().string('ssh-rsa').string(sign('sha1', data, rsa)).toBuffer();
    expect(verifySSH(publicKeyToBlob(rsa), data, sha1)).toBe(false);
  });

  it('refuses a signature relabelled with another algorithm', () => {
    const inner = new SSHReader(signSSH(rsa, data, 'rsa-sha2-256'));
    inner.text();
    const relabelled = new SSHWriter().string('rsa-sha2-512').string(inner.string()).toBuffer();
    expect(verifySSH(publicKeyToBlob(rsa), data, relabelled)).toBe(false);
    const ed = keys[0][1];
    const edAsEcdsa = signSSH(ed, data);
    expect(verifySSH(publicKeyToBlob(keys[1][1]), data, edAsEcdsa)).toBe(false);
  });

  it('accepts an RSA signature with its leading zero bytes dropped, as OpenSSH does', () => {
    let sig: Buffer;
    let raw: Buffer;
    let i = 0;
    do {
      sig = signSSH(rsa, Buffer.from(`msg ${i++}`));
      const r = new SSHReader(sig);
      r.text();
      raw = r.string();
    } while (raw[0] !== 0);
    const short = new SSHWriter().string('rsa-sha2-512').string(raw.subarray(1)).toBuffer();
    expect(verifySSH(publicKeyToBlob(rsa), Buffer.from(`msg ${i - 1}`), short)).toBe(true);
  });

  const blob = publicKeyToBlob(keys[1][1]);
  const garbage: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['truncated', signSSH(keys[1][1], data).subarray(0, 20)],
    ['trailing bytes', Buffer.concat([signSSH(keys[1][1], data), Buffer.from([0])])],
    ['huge length', Buffer.from([0xff, 0xff, 0xff, 0xff])],
    ['oversized r', new SSHWriter().string('ecdsa-sha2-nistp256').string(new SSHWriter().mpint(Buffer.alloc(40, 1)).mpint(1n).toBuffer()).toBuffer()],
    ['zero r and s', new SSHWriter().string('ecdsa-sha2-nistp256').string(new SSHWriter().mpint(0n).mpint(0n).toBuffer()).toBuffer()],
    ['negative s', new SSHWriter().string('ecdsa-sha2-nistp256').string(new SSHWriter().mpint(1n).string(Buffer.from([0x80])).toBuffer()).toBuffer()],
  ];
  it.each(garbage)('returns false on a malformed signature: %s', (_n, sig) => {
    expect(verifySSH(blob, data, sig)).toBe(false);
  });

  it('throws BadParameterError on a malformed public key blob', () => {
    expect(() => verifySSH(Buffer.from([0, 0, 0, 1]), data, signSSH(rsa, data))).toThrow(BadParameterError);
  });

  it('signSSH refuses a public key', () => {
    expect(() => signSSH(generateKeyPair('ed25519').publicKey, data)).toThrow(BadParameterError);
  });
});

describe('ssh-keygen verifies our signatures (SSHSIG)', () => {
  it.each(keys)('%s', async (name, key) => {
    const msg = Buffer.from(`hello from ${name}`);
    const blob = publicKeyToBlob(key);
    const sigFile = tmp.path(`sig-${name}`);
    await writeFile(sigFile, formatSSHSIG(blob, 'ns', signSSH(key, sshsigSignedData('ns', msg))));
    await chmod(sigFile, 0o600);
    const ok = await sshKeygen(['-Y', 'check-novalidate', '-n', 'ns', '-s', sigFile], tmp.dir, msg);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`Good "ns" signature`);
    expect(ok.stdout).toContain(fingerprint(blob));
    // The same signature over another message must be refused, or this test proves nothing.
    const bad = await sshKeygen(['-Y', 'check-novalidate', '-n', 'ns', '-s', sigFile], tmp.dir, 'tampered');
    expect(bad.code).not.toBe(0);
  });
});
