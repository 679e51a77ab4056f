import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { formatAuthorizedKey, generateKeyPair, parseAuthorizedKey, publicKeyToBlob } from './keys.js';
import { decodeOpenSSHPrivateKey, encodeOpenSSHPrivateKey, parsePrivateKey } from './private-key.js';
import { verifySSH } from './signature.js';
import { sshKeygen, sshKeygenOk, tempDir } from './testing/keygen.js';
import { parseSSHSIG, sshsigSignedData } from './testing/sshsig.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

const keys: [string, () => KeyObject][] = [
  ['ed25519', () => generateKeyPair('ed25519').privateKey],
  ['ecdsa-p256', () => generateKeyPair('ecdsa-p256').privateKey],
  ['ecdsa-p384', () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey],
  ['ecdsa-p521', () => generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).privateKey],
  ['rsa2048', () => generateKeyPair('rsa2048').privateKey],
];

async function writeKey(name: string, pem: string): Promise<string> {
  const file = tmp.path(name);
  await writeFile(file, pem);
  await chmod(file, 0o600);
  return file;
}

describe('encodeOpenSSHPrivateKey is read by OpenSSH', () => {
  it.each(keys)('ssh-keygen -y derives the same public key from our %s key', async (name, make) => {
    const key = make();
    const pem = encodeOpenSSHPrivateKey(key, `ours-${name}`);
    expect(pem).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
    const file = await writeKey(`enc-${name}`, pem);
    const out = await sshKeygenOk(['-y', '-f', file], tmp.dir);
    expect(out.trim()).toBe(formatAuthorizedKey(key, `ours-${name}`));
    expect(publicKeyToBlob(decodeOpenSSHPrivateKey(pem))).toEqual(publicKeyToBlob(key));
  });

  it.each(keys)('ssh-keygen -Y sign with our %s key makes a signature we verify', async (name, make) => {
    // Signing uses the private half (for RSA: d, p, q, iqmp), which -y alone would not prove.
    const key = make();
    const file = await writeKey(`sign-${name}`, encodeOpenSSHPrivateKey(key));
    const message = Buffer.from(`message for ${name}`);
    const armored = await sshKeygenOk(['-Y', 'sign', '-f', file, '-n', 'test@ns'], tmp.dir, message);
    const sig = parseSSHSIG(armored);
    expect(sig.publicKey).toEqual(publicKeyToBlob(key));
    expect(verifySSH(sig.publicKey, sshsigSignedData('test@ns', message), sig.signature)).toBe(true);
    expect(verifySSH(sig.publicKey, sshsigSignedData('test@ns', Buffer.from('other')), sig.signature)).toBe(false);
  });
});

describe('decoding keys ssh-keygen writes', () => {
  const generated: [string, string[]][] = [
    ['ed25519', ['-t', 'ed25519']],
    ['ecdsa', ['-t', 'ecdsa']],
    ['ecdsa521', ['-t', 'ecdsa', '-b', '521']],
    ['rsa', ['-t', 'rsa', '-b', '2048']],
  ];
  it.each(generated)('decodes an ssh-keygen %s key (OpenSSH and PEM forms)', async (name, args) => {
    const file = tmp.path(`gen-${name}`);
    await sshKeygenOk([...args, '-q', '-N', '', '-f', file], tmp.dir);
    const pub = parseAuthorizedKey(await readFile(`${file}.pub`, 'utf8'));
    const pem = await readFile(file, 'utf8');
    expect(publicKeyToBlob(decodeOpenSSHPrivateKey(pem))).toEqual(pub.blob);
    expect(publicKeyToBlob(parsePrivateKey(pem))).toEqual(pub.blob);
    // Our re-encoding of it is byte-identical apart from the random check bytes.
    const again = decodeOpenSSHPrivateKey(encodeOpenSSHPrivateKey(decodeOpenSSHPrivateKey(pem)));
    expect(publicKeyToBlob(again)).toEqual(pub.blob);
    if (name !== 'ed25519') {
      // -m PEM rewrites it as PKCS#1 (RSA) or SEC1 (ECDSA).
      await sshKeygenOk(['-p', '-q', '-N', '', '-P', '', '-m', 'PEM', '-f', file], tmp.dir);
      const legacy = await readFile(file, 'utf8');
      expect(legacy).toMatch(/-----BEGIN (RSA|EC) PRIVATE KEY-----/);
      expect(publicKeyToBlob(parsePrivateKey(legacy))).toEqual(pub.blob);
    }
  });

  it('parsePrivateKey reads PKCS#8 PEM', () => {
    const { privateKey } = generateKeyPair('ed25519');
    const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(publicKeyToBlob(parsePrivateKey(pkcs8))).toEqual(publicKeyToBlob(privateKey));
  });
});

describe('bad private keys', () => {
  it('refuses an encrypted OpenSSH key, saying it is encrypted', async () => {
    const file = tmp.path('encrypted');
    await sshKeygenOk(['-t', 'ed25519', '-q', '-N', 'secret pass', '-f', file], tmp.dir);
    const pem = await readFile(file, 'utf8');
    expect(() => decodeOpenSSHPrivateKey(pem)).toThrow(BadParameterError);
    expect(() => parsePrivateKey(pem)).toThrow(/encrypted/);
  });

  it('refuses an encrypted PKCS#8 key', () => {
    const pem = generateKeyPair('ed25519')
      .privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' })
      .toString();
    expect(() => parsePrivateKey(pem)).toThrow(/encrypted/);
  });

  const good = encodeOpenSSHPrivateKey(generateKeyPair('ed25519').privateKey, 'c');
  const body = Buffer.from(good.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, ''), 'base64');
  const rearmor = (b: Buffer) =>
    `-----BEGIN OPENSSH PRIVATE KEY-----\n${b.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
  const flip = (at: number) => {
    const b = Buffer.from(body);
    b[at] ^= 0x01;
    return rearmor(b);
  };
  // Layout of an ed25519 file: magic(15) cipher(8) kdf(8) kdfopts(4) nkeys(4) pub(4+51) len(4) check(4+4)...
  const cases: [string, string, RegExp][] = [
    ['no armor', 'hello', /not a readable private key/],
    ['bad base64', '-----BEGIN OPENSSH PRIVATE KEY-----\n$$$\n-----END OPENSSH PRIVATE KEY-----', /invalid base64/],
    ['bad magic', flip(0), /bad magic/],
    ['truncated', rearmor(body.subarray(0, body.length - 20)), /truncated/],
    ['check bytes differ', flip(98), /check bytes differ/],
    ['public key mismatch', flip(85), /does not match its public key/],
    ['inconsistent ed25519 halves', flip(153), /malformed ed25519/],
    ['bad padding', flip(body.length - 1), /bad padding/],
    ['garbage PEM', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /not a readable private key/],
    [
      'DSA key',
      generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
      /unsupported key kind/,
    ],
  ];
  it.each(cases)('throws BadParameterError on %s', (_n, pem, message) => {
    expect(() => parsePrivateKey(pem)).toThrow(BadParameterError);
    expect(() => parsePrivateKey(pem)).toThrow(message);
  });

  it('refuses a public key given as a private one', () => {
    expect(() => encodeOpenSSHPrivateKey(generateKeyPair('ed25519').publicKey)).toThrow(BadParameterError);
  });

  it('ssh-keygen refuses a file we corrupted (the test can fail)', async () => {
    const file = await writeKey('corrupt', flip(body.length - 1));
    expect((await sshKeygen(['-y', '-f', file], tmp.dir)).code).not.toBe(0);
  });
});
