import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { CERT_FOREVER, formatCertificate, parseCertificate, signCertificate, type SSHCertificate } from './cert.js';
import { fingerprint, generateKeyPair, type KeyAlgorithm, publicKeyToBlob } from './keys.js';
import { sshKeygen, sshKeygenOk, tempDir } from './testing/keygen.js';
import { SSHWriter } from './wire.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

/** The fields `ssh-keygen -L` prints, keyed by label; list sections as arrays. */
function parseListing(out: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  let list: string[] | undefined;
  for (const line of out.split('\n').slice(1)) {
    const item = /^ {16}(.*)$/.exec(line);
    if (item && list) {
      list.push(item[1]);
      continue;
    }
    const m = /^ {8}([A-Za-z ]+): ?(.*)$/.exec(line);
    if (!m) continue;
    if (m[2] === '' || m[2] === '(none)') {
      list = [];
      fields[m[1]] = list;
    } else {
      list = undefined;
      fields[m[1]] = m[2];
    }
  }
  return fields;
}

async function listing(cert: SSHCertificate, name: string): Promise<Record<string, string | string[]>> {
  const file = tmp.path(`${name}-cert.pub`);
  await writeFile(file, `${formatCertificate(cert, 'test comment')}\n`);
  return parseListing(await sshKeygenOk(['-L', '-f', file], tmp.dir));
}

function optionHex(value: string): string {
  return new SSHWriter().string(value).toBuffer().toString('hex');
}

const cas: [string, KeyAlgorithm, KeyAlgorithm, string, string][] = [
  ['ed25519', 'ed25519', 'ed25519', 'ED25519', 'ssh-ed25519'],
  ['ecdsa-p256', 'ecdsa-p256', 'ecdsa-p256', 'ECDSA', 'ecdsa-sha2-nistp256'],
  ['rsa', 'rsa2048', 'rsa2048', 'RSA', 'rsa-sha2-512'],
];
const validAfter = new Date('2030-01-02T03:04:05Z');
const validBefore = new Date('2030-01-02T15:04:05Z');
const roles = '{"roles":["access","editor"]}';

describe('ssh-keygen -L reads the certificates we sign', () => {
  it.each(cas)('user certificate signed by a %s CA', async (name, caAlg, keyAlg, caLabel, sigAlg) => {
    const ca = generateKeyPair(caAlg).privateKey;
    const subject = generateKeyPair(keyAlg).publicKey;
    const cert = signCertificate({
      type: 'user',
      publicKey: subject,
      keyId: 'alice@example.com',
      principals: ['alice', 'root'],
      validAfter,
      validBefore,
      serial: 12345n,
      criticalOptions: { 'source-address': '10.0.0.0/8,192.168.1.7', 'force-command': '/bin/true' },
      extensions: { 'teleport-roles': roles, 'permit-pty': '', 'permit-agent-forwarding': '' },
      caPrivateKey: ca,
    });
    const plainType = publicKeyToBlob(subject).subarray(4, 4 + publicKeyToBlob(subject).readUInt32BE(0)).toString();
    expect(cert.keyType).toBe(`${plainType}-cert-v01@openssh.com`);
    const f = await listing(cert, `user-${name}`);
    expect(f['Type']).toBe(`${plainType}-cert-v01@openssh.com user certificate`);
    expect(f['Public key']).toBe(`${caLabel}-CERT ${fingerprint(subject)}`);
    expect(f['Signing CA']).toBe(`${caLabel} ${fingerprint(ca)} (using ${sigAlg})`);
    expect(f['Key ID']).toBe('"alice@example.com"');
    expect(f['Serial']).toBe('12345');
    expect(f['Valid']).toBe('from 2030-01-02T03:04:05 to 2030-01-02T15:04:05');
    expect(f['Principals']).toEqual(['alice', 'root']);
    expect(f['Critical Options']).toEqual(['force-command /bin/true', 'source-address 10.0.0.0/8,192.168.1.7']);
    // Sorted by name; a valued extension is a string inside the value string.
    expect(f['Extensions']).toEqual([
      'permit-agent-forwarding',
      'permit-pty',
      `teleport-roles UNKNOWN OPTION: ${optionHex(roles)} (len ${roles.length + 4})`,
    ]);
  });

  it.each(cas)('host certificate signed by a %s CA, valid forever', async (name, caAlg, keyAlg, caLabel, sigAlg) => {
    const ca = generateKeyPair(caAlg).privateKey;
    const subject = generateKeyPair(keyAlg).publicKey;
    const cert = signCertificate({
      type: 'host',
      publicKey: publicKeyToBlob(subject),
      keyId: 'node-1',
      principals: ['6f1c.example', '6f1c', 'node-1.example.com', '10.1.2.3'],
      validAfter: 0n,
      validBefore: CERT_FOREVER,
      caPrivateKey: ca,
    });
    const f = await listing(cert, `host-${name}`);
    expect(f['Type']).toBe(`${cert.keyType} host certificate`);
    expect(f['Signing CA']).toBe(`${caLabel} ${fingerprint(ca)} (using ${sigAlg})`);
    expect(f['Key ID']).toBe('"node-1"');
    expect(f['Serial']).toBe('0');
    expect(f['Valid']).toBe('forever');
    expect(f['Principals']).toEqual(['6f1c.example', '6f1c', 'node-1.example.com', '10.1.2.3']);
    expect(f['Critical Options']).toEqual([]);
    expect(f['Extensions']).toEqual([]);
  });

  it('ssh-keygen refuses a certificate whose signed bytes we tampered with', async () => {
    const cert = signCertificate({
      type: 'user',
      publicKey: generateKeyPair().publicKey,
      keyId: 'tamper-me',
      principals: ['alice'],
      validAfter,
      validBefore,
      caPrivateKey: generateKeyPair().privateKey,
    });
    const blob = Buffer.from(cert.blob);
    blob[blob.indexOf('tamper-me') + 2] ^= 1;
    const file = tmp.path('tampered-cert.pub');
    await writeFile(file, `${cert.keyType} ${blob.toString('base64')}\n`);
    expect((await sshKeygen(['-L', '-f', file], tmp.dir)).code).not.toBe(0);
  });
});

describe('parseCertificate', () => {
  const ca = generateKeyPair('ed25519').privateKey;
  const subject = generateKeyPair('ecdsa-p256').publicKey;
  const cert = signCertificate({
    type: 'user',
    publicKey: subject,
    keyId: 'k',
    principals: ['p'],
    validAfter,
    validBefore,
    serial: 7n,
    criticalOptions: { 'force-command': 'ls' },
    // JSON.parse makes "__proto__" an own key, as a hostile certificate would carry it.
    extensions: JSON.parse('{"permit-pty":"","__proto__":"x"}') as Record<string, string>,
    caPrivateKey: ca,
    nonce: Buffer.alloc(32, 9),
  });

  it('returns every field, from a blob or a line', () => {
    for (const parsed of [parseCertificate(cert.blob), parseCertificate(formatCertificate(cert, 'c'))]) {
      expect(parsed).toEqual(cert);
      expect(parsed.publicKey).toEqual(publicKeyToBlob(subject));
      expect(parsed.signatureKey).toEqual(publicKeyToBlob(ca));
      expect(parsed.nonce).toEqual(Buffer.alloc(32, 9));
      expect(parsed.serial).toBe(7n);
      expect(parsed.validAfter).toBe(BigInt(validAfter.getTime() / 1000));
      expect(parsed.criticalOptions).toEqual({ 'force-command': 'ls' });
      expect(Object.getPrototypeOf(parsed.extensions)).toBe(Object.prototype);
      expect(Object.hasOwn(parsed.extensions, '__proto__')).toBe(true);
      expect(Object.keys(parsed.extensions)).toEqual(['__proto__', 'permit-pty']);
    }
  });

  it('refuses a plain key line and trailing bytes', () => {
    expect(() => parseCertificate(`ssh-ed25519 ${publicKeyToBlob(subject).toString('base64')}`)).toThrow(
      BadParameterError,
    );
    expect(() => parseCertificate(Buffer.concat([cert.blob, Buffer.from([0])]))).toThrow(/trailing/);
  });

  it('does not alias the caller buffer', () => {
    const copy = Buffer.from(cert.blob);
    const parsed = parseCertificate(copy);
    copy.fill(0);
    expect(parsed.blob).toEqual(cert.blob);
  });
});

describe('signCertificate input checks', () => {
  const base = {
    type: 'user' as const,
    publicKey: generateKeyPair().publicKey,
    keyId: 'k',
    principals: ['p'],
    validAfter,
    validBefore,
    caPrivateKey: generateKeyPair().privateKey,
  };
  const bad: [string, Partial<Parameters<typeof signCertificate>[0]>][] = [
    ['no principals', { principals: [] }],
    ['empty principal', { principals: [''] }],
    ['inverted window', { validAfter: validBefore, validBefore: validAfter }],
    ['invalid date', { validAfter: new Date('nope') }],
    ['negative bigint time', { validAfter: -1n }],
    ['bad source-address', { criticalOptions: { 'source-address': '10.0.0.1/8' } }],
    ['public key as CA', { caPrivateKey: generateKeyPair().publicKey }],
    ['certificate as subject key', { publicKey: new SSHWriter().string('ssh-ed25519-cert-v01@openssh.com').toBuffer() }],
    ['bad type', { type: 'robot' as 'user' }],
  ];
  it.each(bad)('throws BadParameterError on %s', (_n, override) => {
    expect(() => signCertificate({ ...base, ...override })).toThrow(BadParameterError);
  });
});
