/**
 * Generating a cluster's self-signed X.509 certificate authority, shaped like Teleport's:
 * subject O=<cluster>, CN=<cluster>, SERIALNUMBER=<serial>, CA:true, 10-year lifetime.
 */
import { systemClock, type Clock } from '../api/clock.js';
import { BadParameterError } from '../api/errors.js';
import { generateCAKeys, toPem, type CAKeyAlgorithm } from './keys.js';
import { X520 } from './oids.js';
import { randomSerial } from './serial.js';
import { directoryString } from './subject.js';
import { subtle, x509 } from './x509-provider.js';

/** CA types that carry a TLS certificate. */
export type CAType = 'host' | 'user' | 'db' | 'jwt';

/** Teleport's CA lifetime (`defaults.CATTL`): ten years. */
export const DEFAULT_CA_TTL_MS = 10 * 365 * 24 * 60 * 60 * 1000;

/** Options for `generateCA`. */
export interface GenerateCAOptions {
  clusterName: string;
  type: CAType;
  clock?: Clock;
  /** Lifetime; default ten years. */
  ttlMs?: number;
  /** Default as Teleport's `balanced-v1` suite: RSA 2048 for the db CA, ECDSA P-256 otherwise. */
  keyAlgorithm?: CAKeyAlgorithm;
}

/** A CA certificate and its PKCS#8 private key, both PEM. */
export interface CAKeyPair {
  certPem: string;
  keyPem: string;
}

const CA_TYPES: readonly CAType[] = ['host', 'user', 'db', 'jwt'];

/**
 * Make a new self-signed CA for a cluster. NotBefore is one minute before `clock.now()` to absorb
 * clock skew. Throws BadParameterError for an empty cluster name, unknown type or bad TTL.
 */
export async function generateCA(opts: GenerateCAOptions): Promise<CAKeyPair> {
  if (!opts.clusterName) throw new BadParameterError('missing CA cluster name');
  if (!CA_TYPES.includes(opts.type)) {
    throw new BadParameterError(`unknown CA type "${String(opts.type)}": want one of ${CA_TYPES.join(', ')}`);
  }
  const ttlMs = opts.ttlMs ?? DEFAULT_CA_TTL_MS;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new BadParameterError('CA ttl must be positive');
  const now = (opts.clock ?? systemClock).now();
  const keys = await generateCAKeys(opts.keyAlgorithm ?? (opts.type === 'db' ? 'rsa2048' : 'ecdsa-p256'));
  const serialNumber = randomSerial();
  const name = new x509.Name([
    { [X520.organization]: [directoryString(opts.clusterName)] },
    { [X520.commonName]: [directoryString(opts.clusterName)] },
    { [X520.serialNumber]: [directoryString(BigInt(`0x${serialNumber}`).toString(10))] },
  ]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber,
    name,
    keys,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + ttlMs),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: toPem(cert.rawData, 'CERTIFICATE'), keyPem: toPem(pkcs8, 'PRIVATE KEY') };
}
