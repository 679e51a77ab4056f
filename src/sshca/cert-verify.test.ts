import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { AccessDeniedError } from '../api/errors.js';
import { parseCertificate, signCertificate, type SSHCertificate } from './cert.js';
import { verifyCertificate, type VerifyCertificateOptions } from './cert-verify.js';
import { generateKeyPair, parseAuthorizedKey, publicKeyToBlob } from './keys.js';
import { signSSH } from './signature.js';
import { sshKeygenOk, tempDir } from './testing/keygen.js';
import { SSHWriter } from './wire.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
const caBlobs: Record<string, Buffer> = {};

/** Sign the shared user key with ssh-keygen and return our parse of the result. */
async function keygenCert(name: string, ca: string, args: string[]): Promise<SSHCertificate> {
  const pub = tmp.path(`${name}.pub`);
  await writeFile(pub, await readFile(tmp.path('user.pub')));
  await sshKeygenOk(['-q', '-s', tmp.path(ca), '-I', 'id', ...args, pub], tmp.dir);
  return parseCertificate(await readFile(tmp.path(`${name}-cert.pub`), 'utf8'));
}

const certs: Record<string, SSHCertificate> = {};
beforeAll(async () => {
  tmp = await tempDir();
  const gen: [string, string[]][] = [
    ['ca-ed25519', ['-t', 'ed25519']],
    ['ca-ecdsa', ['-t', 'ecdsa']],
    ['ca-rsa', ['-t', 'rsa', '-b', '2048']],
    ['ca-other', ['-t', 'ed25519']],
    ['user', ['-t', 'ed25519']],
  ];
  await Promise.all(gen.map(([n, a]) => sshKeygenOk([...a, '-q', '-N', '', '-f', tmp.path(n)], tmp.dir)));
  for (const n of ['ca-ed25519', 'ca-ecdsa', 'ca-rsa', 'ca-other']) {
    caBlobs[n] = parseAuthorizedKey(await readFile(tmp.path(`${n}.pub`), 'utf8')).blob;
  }
  const jobs: [string, string, string[]][] = [
    ['ed25519', 'ca-ed25519', ['-n', 'a,b', '-V', '+1h']],
    ['ecdsa', 'ca-ecdsa', ['-n', 'a,b', '-V', '+1h']],
    ['rsa', 'ca-rsa', ['-n', 'a,b', '-V', '+1h']],
    ['host', 'ca-ed25519', ['-h', '-n', 'a,b', '-V', '+1h']],
    ['noprincipals', 'ca-ed25519', ['-V', '+1h']],
    ['critical', 'ca-ed25519', ['-n', 'a', '-O', 'critical:foo=bar']],
    ['srcaddr', 'ca-ed25519', ['-n', 'a', '-O', 'source-address=10.0.0.0/8,2001:db8::/32']],
    ['forcecmd', 'ca-ed25519', ['-n', 'a', '-O', 'force-command=/usr/bin/true']],
    ['sha1', 'ca-rsa', ['-t', 'ssh-rsa', '-n', 'a', '-V', '+1h']],
  ];
  for (const [name, ca, args] of jobs) certs[name] = await keygenCert(name, ca, args);
});
afterAll(async () => {
  await tmp.cleanup();
});

/** A clock one minute into the certificate's window. */
function inside(cert: SSHCertificate): number {
  return Number(cert.validAfter) * 1000 + 60_000;
}

function opts(cert: SSHCertificate, extra: Partial<VerifyCertificateOptions> = {}): VerifyCertificateOptions {
  return { trustedCAs: [caBlobs['ca-ed25519']], now: inside(cert), type: 'user', principal: 'a', ...extra };
}

describe('certificates signed by ssh-keygen', () => {
  it.each(['ed25519', 'ecdsa', 'rsa'])('a %s-CA certificate parses and verifies', (name) => {
    const cert = certs[name];
    expect(cert.type).toBe('user');
    expect(cert.keyType).toBe('ssh-ed25519-cert-v01@openssh.com');
    expect(cert.keyId).toBe('id');
    expect(cert.principals).toEqual(['a', 'b']);
    expect(cert.signatureKey).toEqual(caBlobs[`ca-${name}`]);
    expect(cert.extensions).toEqual({
      'permit-X11-forwarding': '',
      'permit-agent-forwarding': '',
      'permit-port-forwarding': '',
      'permit-pty': '',
      'permit-user-rc': '',
    });
    expect(cert.validBefore - cert.validAfter).toBeGreaterThanOrEqual(3600n);
    const clock = new FakeClock(inside(cert));
    const trusted = [caBlobs['ca-other'], caBlobs[`ca-${name}`]];
    expect(() => verifyCertificate(cert, { trustedCAs: trusted, now: clock.now(), type: 'user', principal: 'a' })).not.toThrow();
    expect(() => verifyCertificate(cert, { trustedCAs: trusted, now: new Date(clock.now()), type: 'user', principal: 'b' })).not.toThrow();
  });

  it.each(['ed25519', 'ecdsa', 'rsa'])('a tampered byte in a %s-CA certificate fails verification', (name) => {
    const cert = certs[name];
    const blob = Buffer.from(cert.blob);
    blob[blob.indexOf('\0\0\0\x02id') + 5] ^= 0x01; // key id "id" -> "ie"
    const tampered = parseCertificate(blob);
    expect(tampered.keyId).toBe('ie');
    expect(() => verifyCertificate(tampered, opts(tampered, { trustedCAs: [caBlobs[`ca-${name}`]] }))).toThrow(
      /signature does not verify/,
    );
  });

  it('accepts the edges of the validity window: validAfter <= now < validBefore', () => {
    const c = certs['ed25519'];
    expect(() => verifyCertificate(c, opts(c, { now: Number(c.validAfter) * 1000 }))).not.toThrow();
    expect(() => verifyCertificate(c, opts(c, { now: Number(c.validBefore) * 1000 - 1 }))).not.toThrow();
  });

  const denials: [string, string, (c: SSHCertificate) => Partial<VerifyCertificateOptions>, RegExp][] = [
    ['expired', 'ed25519', (c) => ({ now: Number(c.validBefore) * 1000 }), /expired at/],
    ['not yet valid', 'ed25519', (c) => ({ now: Number(c.validAfter) * 1000 - 1 }), /not valid until/],
    ['wrong principal', 'ed25519', () => ({ principal: 'root' }), /principal "root" is not in/],
    ['wrong type (user cert as host)', 'ed25519', () => ({ type: 'host' }), /is a user certificate, expected a host/],
    ['wrong type (host cert as user)', 'host', () => ({}), /is a host certificate, expected a user/],
    ['untrusted CA', 'ed25519', () => ({ trustedCAs: [caBlobs['ca-other']] }), /untrusted authority SHA256:/],
    ['no trusted CAs', 'ed25519', () => ({ trustedCAs: [] }), /untrusted authority/],
    ['empty principals', 'noprincipals', () => ({}), /has no principals/],
    ['empty principals, no principal asked', 'noprincipals', () => ({ principal: undefined }), /has no principals/],
    ['unknown critical option', 'critical', () => ({}), /unsupported critical option "foo"/],
    ['source-address mismatch', 'srcaddr', () => ({ sourceAddress: '192.168.1.1' }), /192\.168\.1\.1 is not allowed/],
    ['source-address, IPv6 mismatch', 'srcaddr', () => ({ sourceAddress: '2001:db9::1' }), /not allowed/],
    ['source-address with no client address', 'srcaddr', () => ({}), /no client address/],
    ['SHA-1 RSA signature', 'sha1', () => ({ trustedCAs: [caBlobs['ca-rsa']] }), /signature does not verify/],
  ];
  it.each(denials)('denies: %s', (_n, which, extra, reason) => {
    const cert = certs[which];
    let err: unknown;
    try {
      verifyCertificate(cert, opts(cert, extra(cert)));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect((err as Error).message).toMatch(reason);
  });

  it('allows source-address matches (IPv4, IPv4-mapped, IPv6) and leaves force-command to the caller', () => {
    const c = certs['srcaddr'];
    for (const addr of ['10.2.3.4', '::ffff:10.2.3.4', '2001:db8:1::5']) {
      expect(() => verifyCertificate(c, opts(c, { sourceAddress: addr }))).not.toThrow();
    }
    const f = certs['forcecmd'];
    expect(f.criticalOptions).toEqual({ 'force-command': '/usr/bin/true' });
    expect(() => verifyCertificate(f, opts(f))).not.toThrow();
  });

  it('accepts a critical option the caller declares it enforces', () => {
    const c = certs['critical'];
    expect(c.criticalOptions).toEqual({ foo: 'bar' });
    expect(() => verifyCertificate(c, opts(c, { knownCriticalOptions: ['foo'] }))).not.toThrow();
  });

  it('checks the blob, not edited fields of the object', () => {
    const c = { ...certs['ed25519'], principals: ['root'], type: 'host' as const, validBefore: 0xffffffffffffffffn };
    expect(() => verifyCertificate(c, opts(c, { principal: 'root' }))).toThrow(AccessDeniedError);
    expect(() => verifyCertificate(c, opts(c, { type: 'host' }))).toThrow(AccessDeniedError);
  });

  it('turns a malformed blob into AccessDeniedError', () => {
    const c = { ...certs['ed25519'], blob: certs['ed25519'].blob.subarray(0, 50) };
    expect(() => verifyCertificate(c, opts(c))).toThrow(AccessDeniedError);
  });
});

describe('certificates we sign', () => {
  it('verify with a fake clock, and a certificate as signing key is refused', () => {
    const clock = new FakeClock(new Date('2030-06-01T00:00:00Z'));
    const ca = generateKeyPair('ed25519').privateKey;
    const user = generateKeyPair('ed25519');
    const cert = signCertificate({
      type: 'user',
      publicKey: user.publicKey,
      keyId: 'alice',
      principals: ['alice'],
      validAfter: new Date(clock.now() - 60_000),
      validBefore: new Date(clock.now() + 3_600_000),
      caPrivateKey: ca,
    });
    const trusted = [publicKeyToBlob(ca)];
    expect(() => verifyCertificate(cert, { trustedCAs: trusted, now: clock.now(), type: 'user', principal: 'alice' })).not.toThrow();
    clock.advance(3_600_000);
    expect(() => verifyCertificate(cert, { trustedCAs: trusted, now: clock.now(), type: 'user', principal: 'alice' })).toThrow(
      /expired/,
    );

    // A "CA" that is itself a certificate (of `user`'s key), signing with that key: OpenSSH refuses this.
    const body = Buffer.from(cert.blob.subarray(0, cert.blob.length - 4 - cert.signature.length));
    const caFieldAt = body.length - 4 - publicKeyToBlob(ca).length;
    const forged = new SSHWriter().raw(body.subarray(0, caFieldAt)).string(cert.blob).toBuffer();
    const forgedCert = parseCertificate(new SSHWriter().raw(forged).string(signSSH(user.privateKey, forged)).toBuffer());
    expect(forgedCert.signatureKey).toEqual(cert.blob);
    clock.set(new Date('2030-06-01T00:00:00Z'));
    expect(() =>
      verifyCertificate(forgedCert, { trustedCAs: [cert.blob], now: clock.now(), type: 'user', principal: 'alice' }),
    ).toThrow(/signing key is itself a certificate/);
  });
});
