/**
 * The stand-in API server's PKI: a self-signed CA (CN=kubernetes, as kubeadm names it), a serving
 * certificate for 127.0.0.1/localhost, and client certificates whose CN is the user and whose O
 * entries are the groups, which is how the real API server reads an X.509 client identity.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A PEM certificate and its PKCS#8 PEM key. */
export interface CertKey {
  certPem: string;
  keyPem: string;
}

function pem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

function serial(): string {
  return `01${Buffer.from(webcrypto.getRandomValues(new Uint8Array(15))).toString('hex')}`;
}

/** X.500 RDN quoting for a name built from a string (commas and the like in group names). */
function rdn(value: string): string {
  return value.replace(/([,+"\\<>;=#])/g, '\\$1');
}

/** A certificate authority that signs the server's and clients' certificates. */
export class StandInCA {
  private constructor(
    readonly certPem: string,
    private readonly cert: x509.X509Certificate,
    private readonly keys: webcrypto.CryptoKeyPair,
  ) {}

  /** A fresh CA named `CN=<name>`. */
  static async create(name = 'kubernetes'): Promise<StandInCA> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as webcrypto.CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=${rdn(name)}`,
      keys,
      signingAlgorithm: ALG,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 24 * 3600_000),
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new StandInCA(cert.toString('pem') + '\n', cert, keys);
  }

  /**
   * Signs a leaf: `server` for 127.0.0.1, ::1 and localhost (plus `names`), or a client certificate with
   * CN=`commonName` and one O per group. `notAfter` lets a test make an expired one.
   */
  async issue(o: { commonName: string; organizations?: string[]; server?: boolean; names?: string[]; notAfter?: Date }): Promise<CertKey> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as webcrypto.CryptoKeyPair;
    const subject = [...(o.organizations ?? []).map((g) => `O=${rdn(g)}`), `CN=${rdn(o.commonName)}`].join(', ');
    const now = Date.now();
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([o.server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(this.cert),
    ];
    if (o.server) {
      const names = ['localhost', ...(o.names ?? [])];
      extensions.push(
        new x509.SubjectAlternativeNameExtension([
          ...names.map((value) => ({ type: 'dns' as const, value })),
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ]),
      );
    }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: this.cert.subject,
      notBefore: new Date(Math.min(now - 60_000, (o.notAfter?.getTime() ?? now) - 3600_000)),
      notAfter: o.notAfter ?? new Date(now + 24 * 3600_000),
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: ALG,
      extensions,
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return { certPem: cert.toString('pem') + '\n', keyPem: pem(pkcs8, 'PRIVATE KEY') };
  }
}
