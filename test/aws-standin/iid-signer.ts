/**
 * The stand-in for AWS's instance identity signing: a test CA (a self-signed RSA certificate made
 * with openssl) that signs identity documents as AWS does, a PKCS#7 SignedData carrying the
 * document (openssl cms, independent of the verifier under test). Auth trusts it only through its
 * injected `iidCertificates`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An instance identity document as IMDS serves it. */
export interface IdentityDocument {
  accountId: string;
  instanceId: string;
  region: string;
  pendingTime: string;
  [field: string]: unknown;
}

function openssl(args: string[], input?: Buffer): Buffer {
  const r = spawnSync('openssl', args, { input });
  if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr.toString()}`);
  return r.stdout;
}

/** A signing CA for identity documents. */
export class IIDSigner {
  readonly certPem: string;
  private readonly dir: string;

  constructor(name = 'Test AWS IID signer') {
    this.dir = mkdtempSync(join(tmpdir(), 'tp-iid-'));
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/O=Test/CN=${name}`, '-keyout', join(this.dir, 'key.pem'), '-out', join(this.dir, 'cert.pem')]);
    this.certPem = readFileSync(join(this.dir, 'cert.pem'), 'utf8');
  }

  /** The document's text, as IMDS prints it (pretty JSON). */
  static text(doc: IdentityDocument): string {
    return JSON.stringify({ architecture: 'x86_64', availabilityZone: `${doc.region}a`, imageId: 'ami-0123456789abcdef0', instanceType: 't3.micro', privateIp: '10.0.0.12', version: '2017-09-30', ...doc }, null, 2);
  }

  /** The PKCS#7 signature of `text` (the text inside), base64 DER as IMDS's `/pkcs7` serves it. */
  sign(text: string): string {
    const input = join(this.dir, 'doc.json');
    writeFileSync(input, text);
    const der = openssl(['cms', '-sign', '-binary', '-nodetach', '-md', 'sha256', '-nocerts', '-signer', join(this.dir, 'cert.pem'), '-inkey', join(this.dir, 'key.pem'), '-in', input, '-outform', 'DER']);
    return der.toString('base64').replace(/(.{64})/g, '$1\n');
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
