import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../api/clock.js';
import { generateCA, hostIdentitySANs, issueCertificate, type CAKeyPair, type Identity } from './index.js';

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8' });
}

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();
/** How openssl prints an unknown-OID attribute holding a short PrintableString (tag 0x13). */
const printable = (s: string) => `#13${s.length.toString(16).padStart(2, '0').toUpperCase()}${hex(s)}`;

describe.each(['ecdsa-p256', 'rsa2048'] as const)('certificates checked by openssl (%s CA)', (keyAlgorithm) => {
  let dir: string;
  let ca: CAKeyPair;
  let certPem: string;
  const identity: Identity = {
    username: 'alice',
    groups: ['access', 'editor'],
    principals: ['root', 'ubuntu'],
    routeToCluster: 'leaf',
    traits: { logins: ['root'] },
    kubernetesGroups: ['system:masters'],
    kubernetesCluster: 'kube-1',
    teleportCluster: 'main',
    routeToDatabase: { serviceName: 'pg', protocol: 'postgres' },
    expires: new Date(Date.now() + 3_600_000),
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tlsca-openssl-'));
    ca = await generateCA({ clusterName: 'main', type: 'user', keyAlgorithm });
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sans = hostIdentitySANs({ hostId: 'abc', nodeName: 'node1', clusterName: 'main' });
    certPem = await issueCertificate({
      caCertPem: ca.certPem, caKeyPem: ca.keyPem, publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      identity, ...sans, clock: systemClock,
    });
    writeFileSync(join(dir, 'ca.pem'), ca.certPem);
    writeFileSync(join(dir, 'cert.pem'), certPem);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the identity in the subject as Teleport lays it out', () => {
    const subject = openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], certPem).trim();
    // RFC 2253 prints attributes last-first (within a multi-valued RDN too); unknown OIDs as hex DER.
    expect(subject).toBe(
      'subject=' +
        [
          `1.3.9999.2.2=${printable('postgres')}`,
          `1.3.9999.2.1=${printable('pg')}`,
          `1.3.9999.1.7=${printable('main')}`,
          `1.3.9999.1.3=${printable('kube-1')}`,
          // ':' is printable, so Go would pick PrintableString too.
          `1.3.9999.1.2=${printable('system:masters')}`,
          'CN=alice',
          'O=editor+O=access',
          'postalCode={\\"logins\\":[\\"root\\"]}',
          'street=leaf',
          'L=ubuntu+L=root',
        ].join(','),
    );
  });

  it('types strings as Go does: PrintableString when possible, else UTF8String', () => {
    const dump = openssl(['asn1parse', '-i'], certPem);
    expect(dump).toMatch(/:postalCode\n.*UTF8STRING\s+:\{"logins":\["root"\]\}/);
    expect(dump).toMatch(/:streetAddress\n.*PRINTABLESTRING\s+:leaf/);
    expect(dump).toMatch(/:commonName\n.*PRINTABLESTRING\s+:alice/);
  });

  it('verifies against the CA with openssl verify', () => {
    expect(openssl(['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'cert.pem')]).trim()).toBe(`${join(dir, 'cert.pem')}: OK`);
  });

  it('has the CA extensions and subject Teleport gives a CA', () => {
    const text = openssl(['x509', '-noout', '-text'], ca.certPem);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(text).toMatch(/X509v3 Subject Key Identifier/);
    const subject = openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], ca.certPem).trim();
    expect(subject).toMatch(/^subject=serialNumber=\d+,CN=main,O=main$/);
    const dates = openssl(['x509', '-noout', '-startdate', '-enddate'], ca.certPem);
    const notAfter = new Date(/notAfter=(.*)/.exec(dates)![1]).getTime();
    expect(Math.abs(notAfter - (Date.now() + 10 * 365 * 86_400_000))).toBeLessThan(60_000);
  });

  it('has the leaf extensions Teleport gives a leaf', () => {
    const text = openssl(['x509', '-noout', '-text'], certPem);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toMatch(/X509v3 Authority Key Identifier/);
    expect(text).toContain(
      'DNS:abc.main, DNS:abc, DNS:node1.main, DNS:node1, DNS:localhost, DNS:*.teleport.cluster.local, DNS:teleport.cluster.local, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    const serial = /Serial Number:\s*\n?\s*([0-9a-f:]+)/i.exec(text)![1].replace(/:/g, '');
    expect(BigInt(`0x${serial}`) < 1n << 128n).toBe(true);
  });
});
