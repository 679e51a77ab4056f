import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { certificateDer } from './cert-der.js';
import { children, readTLV } from './der.js';
import { generateCA, issueCertificate, type CertKeyUsage, type Identity } from './index.js';
import { spkiDer } from './keys.js';
import { identitySubject } from './subject.js';
import { x509 } from './x509-provider.js';

// The certificates issueCertificate writes with its own DER writer must be, field for field, those
// @peculiar/x509 wrote before it (what the other tests of this folder and Teleport's formats check).
const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0, 345));
const tbsOf = (pem: string): Buffer => Buffer.from(children(readTLV(certificateDer(pem)).content)[0].raw);

const EKU: Record<CertKeyUsage, string[]> = {
  client: [x509.ExtendedKeyUsage.clientAuth],
  server: [x509.ExtendedKeyUsage.serverAuth],
  both: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
};

/** The same certificate as @peculiar/x509 builds it, with the serial of `ours`. */
async function reference(ca: { certPem: string; keyPem: string }, ours: string, identity: Identity, sans: x509.JsonGeneralName[], usage: CertKeyUsage, subjectKey: Buffer): Promise<string> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const keyObject = (await import('node:crypto')).createPrivateKey(ca.keyPem);
  const rsa = keyObject.asymmetricKeyType === 'rsa';
  const alg = rsa ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const signingKey = await x509.cryptoProvider.get().subtle.importKey('pkcs8', keyObject.export({ type: 'pkcs8', format: 'der' }), alg, false, ['sign']);
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(EKU[usage]),
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.AuthorityKeyIdentifierExtension(caCert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: new X509Certificate(ours).serialNumber.toLowerCase().replace(/^(00)+/, ''),
    subject: new x509.Name(identitySubject(identity)),
    issuer: caCert.subjectName,
    notBefore: new Date(clock.now() - 60_000),
    notAfter: identity.expires,
    publicKey: subjectKey,
    signingKey,
    signingAlgorithm: { name: alg.name, hash: 'SHA-256' },
    extensions,
  });
  return cert.toString('pem');
}

const expires = new Date(Date.UTC(2026, 0, 2, 0, 0, 0));
const identities: Identity[] = [
  { username: 'bob', groups: ['access'], expires },
  { username: 'ålice@example.com', groups: ['access', 'editor', 'auditor'], principals: ['root', 'ålice'], traits: { logins: ['root'] }, systemRoles: ['Node', 'Proxy'], generation: 3, renewable: true, previousIdentityExpires: expires, expires },
  { username: 'host-uuid.example.com', groups: ['Node'], principals: ['host-uuid', 'node1'], teleportCluster: 'example.com', expires: new Date(Date.UTC(2051, 5, 1)) },
];

describe('issueCertificate DER', () => {
  for (const type of ['host', 'db'] as const) {
    it(`writes the TBSCertificate @peculiar/x509 wrote (${type} CA)`, async () => {
      const ca = await generateCA({ clusterName: 'example.com', type, clock: new FakeClock(Date.UTC(2025, 0, 1)) });
      for (const [i, identity] of identities.entries()) {
        const usage = (['both', 'client', 'server'] as const)[i % 3];
        const subjectKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
        const dnsNames = i === 0 ? [] : ['node1', 'node1.example.com', '10.0.0.7', '*.teleport.cluster.local'];
        const ipAddresses = i === 2 ? ['::1', 'fe80::1:2', '2001:db8:0:0:1:0:0:1'] : [];
        for (let round = 0; round < 8; round++) {
          const ours = await issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, publicKey: subjectKey, identity, dnsNames, ipAddresses, clock, keyUsage: usage });
          const sans: x509.JsonGeneralName[] = [
            ...dnsNames.filter((n) => !/^[\d.]+$/.test(n)).map((value) => ({ type: 'dns' as const, value })),
            ...[...dnsNames.filter((n) => /^[\d.]+$/.test(n)), ...ipAddresses].map((value) => ({ type: 'ip' as const, value })),
          ];
          const theirs = await reference(ca, ours, identity, sans, usage, spkiDer(subjectKey));
          expect(tbsOf(ours).toString('hex')).toBe(tbsOf(theirs).toString('hex'));
          const cert = new X509Certificate(ours);
          expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
          expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
        }
      }
    });
  }

  it('writes an IPv4-mapped IPv6 SAN as the IPv4 address (Go\'s To4)', async () => {
    const ca = await generateCA({ clusterName: 'example.com', type: 'host', clock });
    const publicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const pem = await issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, publicKey, identity: identities[0], ipAddresses: ['::ffff:10.1.2.3', 'fe80::7'], clock });
    expect(new X509Certificate(pem).subjectAltName).toBe('IP Address:10.1.2.3, IP Address:FE80:0:0:0:0:0:0:7');
  });
});
