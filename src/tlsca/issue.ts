/**
 * Issuing leaf certificates for Teleport identities, as Teleport's `GenerateCertificate` does:
 * NotBefore one minute back, NotAfter the identity's expiry, random 128-bit serial, CA:false.
 * The TBSCertificate is written with our DER writer and signed with node:crypto (a general ASN.1
 * library made this most of a join's cost).
 */
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { systemClock, type Clock } from '../api/clock.js';
import { BadParameterError } from '../api/errors.js';
import { BoundedCache } from './bounded-cache.js';
import { certificateParts } from './cert-der.js';
import { Tag, bitString, children, contextTag, oid, readTLV, seq, time, tlv, unsignedInteger } from './der.js';
import { checkIdentity } from './identity.js';
import type { Identity } from './identity-type.js';
import { spkiDer, toPem } from './keys.js';
import { encodeName } from './name-der.js';
import { randomSerial } from './serial.js';
import { identitySubject } from './subject.js';

/** Which TLS roles an issued certificate may play (extended key usage). */
export type CertKeyUsage = 'client' | 'server' | 'both';

/** Options for `issueCertificate`. */
export interface IssueCertificateOptions {
  caCertPem: string;
  caKeyPem: string;
  /** The subject's public key: a KeyObject (a private one is reduced to its public half) or SPKI PEM. */
  publicKey: KeyObject | string;
  identity: Identity;
  /** DNS SANs; entries that parse as IP addresses become IP SANs (as Teleport does). */
  dnsNames?: string[];
  ipAddresses?: string[];
  clock?: Clock;
  /** Default `both`. */
  keyUsage?: CertKeyUsage;
}

const OID = {
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** Split names into DNS and IP SANs, deduplicated, keeping first-seen order; GeneralNames DER. */
function subjectAltNames(dnsNames: string[], ipAddresses: string[]): Buffer[] {
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const name of dnsNames) {
    if (!name) throw new BadParameterError('empty DNS name in certificate request');
    (isIP(name) ? ips : dns).add(name);
  }
  for (const ip of ipAddresses) {
    if (!isIP(ip)) throw new BadParameterError(`"${ip}" is not an IP address`);
    ips.add(ip);
  }
  return [
    ...[...dns].map((name) => tlv(contextTag(2, false), Buffer.from(name, 'latin1'))),
    ...[...ips].map((ip) => tlv(contextTag(7, false), ipBytes(ip))),
  ];
}

const V4_MAPPED_PREFIX = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

/** The 4 or 16 bytes of an IP address; an IPv4-mapped IPv6 address is written as IPv4, as Go does. */
function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const groups = (s: string): string[] => (s ? s.split(':') : []);
  let h = groups(head);
  let t = tail === undefined ? [] : groups(tail);
  // An IPv4-mapped tail (::ffff:1.2.3.4) counts as two groups.
  const v4 = (list: string[]): string[] => {
    const last = list[list.length - 1];
    if (!last?.includes('.')) return list;
    const b = last.split('.').map(Number);
    return [...list.slice(0, -1), ((b[0] << 8) | b[1]).toString(16), ((b[2] << 8) | b[3]).toString(16)];
  };
  h = v4(h);
  t = v4(t);
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill('0');
  const all = [...h, ...fill, ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  const mapped = out.subarray(0, 12).equals(V4_MAPPED_PREFIX);
  return mapped ? Buffer.from(out.subarray(12)) : out;
}

const EKU: Record<CertKeyUsage, string[]> = {
  client: [OID.clientAuth],
  server: [OID.serverAuth],
  both: [OID.serverAuth, OID.clientAuth],
};

const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  seq(oid(id), ...(critical ? [tlv(Tag.boolean, Buffer.from([0xff]))] : []), tlv(Tag.octetString, value));

/** digitalSignature | keyEncipherment: bits 0 and 2 (0xa0), five unused bits. */
const KEY_USAGE = extension(OID.keyUsage, true, tlv(Tag.bitString, Buffer.from([5, 0xa0])));
/** CA:false (the default, so an empty SEQUENCE), critical. */
const NOT_A_CA = extension(OID.basicConstraints, true, seq());

/** What issuance reads from a CA certificate: its subject (our issuer) and its key identifier. */
interface Issuer {
  name: Buffer;
  keyId: Buffer;
}

/** What signing needs from a CA key: the key, the digest and the signature AlgorithmIdentifier. */
interface Signer {
  key: KeyObject;
  hash: string;
  algorithm: Buffer;
}

/**
 * The CA certificates and keys issuance has read, by PEM: a cluster has a few, and every host join
 * and user login signs with one.
 */
const issuers = new BoundedCache<Issuer>(16);
const signers = new BoundedCache<Signer>(16);

function readIssuer(caCertPem: string): Issuer {
  const ca = certificateParts(caCertPem);
  const bc = ca.extensions.get(OID.basicConstraints);
  const [first] = bc ? children(readTLV(bc.value).content) : [];
  if (first?.tag !== Tag.boolean || first.content[0] === 0) throw new BadParameterError('issuer certificate is not a CA');
  const ski = ca.extensions.get(OID.subjectKeyId);
  let keyId: Buffer;
  if (ski) keyId = Buffer.from(readTLV(ski.value).content);
  else {
    // RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits.
    const [, bits] = children(ca.spki.content);
    keyId = createHash('sha1').update(bits.content.subarray(1)).digest();
  }
  return { name: Buffer.from(ca.subject.raw), keyId };
}

const EC_SIGNING: Record<string, { hash: string; oid: string }> = {
  prime256v1: { hash: 'sha256', oid: '1.2.840.10045.4.3.2' },
  secp384r1: { hash: 'sha384', oid: '1.2.840.10045.4.3.3' },
};

function readSigner(keyPem: string): Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new BadParameterError('malformed CA private key', { cause: err });
  }
  if (key.asymmetricKeyType === 'rsa') {
    return { key, hash: 'sha256', algorithm: seq(oid('1.2.840.113549.1.1.11'), tlv(Tag.null, Buffer.alloc(0))) };
  }
  const ec = EC_SIGNING[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (key.asymmetricKeyType === 'ec' && ec) return { key, hash: ec.hash, algorithm: seq(oid(ec.oid)) };
  throw new BadParameterError(`unsupported CA key type ${key.asymmetricKeyType ?? 'unknown'}: want RSA or ECDSA P-256/P-384`);
}

/**
 * Sign a certificate for `identity` with the CA. Returns PEM. Throws BadParameterError for a
 * malformed CA, key, identity or SAN, or an expiry that is not after NotBefore.
 */
export async function issueCertificate(opts: IssueCertificateOptions): Promise<string> {
  checkIdentity(opts.identity);
  const keyUsage = opts.keyUsage ?? 'both';
  if (!EKU[keyUsage]) throw new BadParameterError(`unknown key usage "${String(keyUsage)}"`);
  const notBefore = new Date((opts.clock ?? systemClock).now() - 60_000);
  if (opts.identity.expires.getTime() <= notBefore.getTime()) {
    throw new BadParameterError('identity expires before the certificate would become valid');
  }
  const issuer = issuers.get(opts.caCertPem, () => readIssuer(opts.caCertPem));
  const subjectKey = spkiDer(opts.publicKey);
  const signer = signers.get(opts.caKeyPem, () => readSigner(opts.caKeyPem));
  const sans = subjectAltNames(opts.dnsNames ?? [], opts.ipAddresses ?? []);
  const extensions = [
    KEY_USAGE,
    extension(OID.extKeyUsage, false, seq(...EKU[keyUsage].map(oid))),
    NOT_A_CA,
    extension(OID.authorityKeyId, false, seq(tlv(contextTag(0, false), issuer.keyId))),
  ];
  if (sans.length > 0) extensions.push(extension(OID.subjectAltName, false, seq(...sans)));
  const tbs = seq(
    tlv(contextTag(0, true), tlv(Tag.integer, Buffer.from([2]))),
    unsignedInteger(Buffer.from(randomSerial().padStart(32, '0'), 'hex')),
    signer.algorithm,
    issuer.name,
    seq(time(notBefore), time(opts.identity.expires)),
    encodeName(identitySubject(opts.identity)),
    subjectKey,
    tlv(contextTag(3, true), seq(...extensions)),
  );
  const signature = sign(signer.hash, tbs, signer.key);
  return toPem(seq(tbs, signer.algorithm, bitString(signature)), 'CERTIFICATE');
}
