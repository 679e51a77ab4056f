/**
 * EC2 instance identity documents: the PKCS#7 SignedData IMDS serves at
 * `/latest/dynamic/instance-identity/pkcs7` (the JSON document is its content) checked against
 * trusted signer certificates. The signature is verified with node:crypto, which knows DSA (AWS
 * signs these with DSA and SHA-1, which WebCrypto cannot verify); pkijs only reads the structure.
 */
import { createHash, verify, X509Certificate } from 'node:crypto';
import type * as Asn1js from 'asn1js';
import type * as Pkijs from 'pkijs';
import { AccessDeniedError } from '../../api/errors.js';

/** The fields of an instance identity document that joining uses. */
export interface InstanceIdentity {
  accountId: string;
  instanceId: string;
  region: string;
  /** When the instance last started (ISO time). */
  pendingTime: string;
  availabilityZone?: string;
  instanceType?: string;
  imageId?: string;
  privateIp?: string;
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
};

/** Digest algorithms a signer may use, by OID, as node:crypto names them. */
const DIGESTS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const refuse = (why: string): AccessDeniedError => new AccessDeniedError(`the EC2 instance identity document is not valid: ${why}`);

/** The bytes of an OCTET STRING, primitive or constructed (BER chunks). */
function octets(block: Asn1js.BaseBlock): Buffer {
  const value = (block as Asn1js.OctetString).valueBlock;
  if (block.idBlock.isConstructed) return Buffer.concat((value.value as Asn1js.BaseBlock[]).map(octets));
  return Buffer.from(value.valueHexView);
}

/**
 * Verifies `pkcs7` (DER, or base64 of it as IMDS serves it) against `trusted` PEM certificates and
 * returns the document it carries. Throws AccessDeniedError saying what is wrong: not PKCS#7, no
 * content, a digest that does not match, a signature no trusted certificate made.
 */
export async function verifyInstanceIdentity(pkcs7: Buffer | string, trusted: readonly string[]): Promise<InstanceIdentity> {
  // Loaded on first use: a process that never checks an EC2 join does not parse them at start.
  const [asn1js, pkijs] = await Promise.all([import('asn1js'), import('pkijs')]);
  const der = typeof pkcs7 === 'string' ? Buffer.from(pkcs7.replace(/-----[A-Z0-9 ]+-----|\s/g, ''), 'base64') : pkcs7;
  let signed: Pkijs.SignedData;
  try {
    const asn = asn1js.fromBER(new Uint8Array(der));
    if (asn.offset === -1) throw new Error(asn.result.error);
    const info = new pkijs.ContentInfo({ schema: asn.result });
    if (info.contentType !== OID.signedData) throw new Error(`content type ${info.contentType}`);
    signed = new pkijs.SignedData({ schema: info.content });
  } catch (err) {
    throw refuse(`it is not a PKCS#7 signature (${(err as Error).message})`);
  }
  const encap = signed.encapContentInfo;
  if (encap.eContentType !== OID.data || !encap.eContent) throw refuse('the signature carries no document');
  const content = octets(encap.eContent);
  if (signed.signerInfos.length !== 1) throw refuse(`expected one signer, found ${signed.signerInfos.length}`);
  const signer = signed.signerInfos[0];
  const digest = DIGESTS[signer.digestAlgorithm.algorithmId];
  if (!digest) throw refuse(`unsupported digest algorithm ${signer.digestAlgorithm.algorithmId}`);
  const attrs = signer.signedAttrs?.attributes;
  if (!attrs) throw refuse('the signer has no signed attributes');
  const contentType = attrs.find((a) => a.type === OID.contentType)?.values[0] as Asn1js.ObjectIdentifier | undefined;
  if (contentType?.valueBlock.toString() !== OID.data) throw refuse('the signed content type is not data');
  const md = attrs.find((a) => a.type === OID.messageDigest)?.values[0];
  if (!md || !octets(md).equals(createHash(digest).update(content).digest())) throw refuse('the document does not match its signed digest');
  // The signature covers the DER of the attributes as a SET (RFC 5652 §5.4).
  const signedBytes = Buffer.from(new asn1js.Set({ value: attrs.map((a) => a.toSchema()) }).toBER());
  const signature = Buffer.from(signer.signature.valueBlock.valueHexView);
  const by = trusted.find((pem) => {
    try {
      return verify(digest, signedBytes, new X509Certificate(pem).publicKey, signature);
    } catch {
      return false;
    }
  });
  if (!by) throw refuse('it is not signed by AWS (no trusted certificate verifies its signature)');
  return parseDocument(content);
}

function parseDocument(content: Buffer): InstanceIdentity {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(content.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw refuse('its content is not JSON');
  }
  const str = (k: string): string | undefined => (typeof doc[k] === 'string' && doc[k] !== '' ? (doc[k] as string) : undefined);
  const need = (k: string): string => {
    const v = str(k);
    if (!v) throw refuse(`the document has no ${k}`);
    return v;
  };
  const accountId = need('accountId');
  const instanceId = need('instanceId');
  if (!/^\d{12}$/.test(accountId)) throw refuse(`accountId "${accountId}" is not an AWS account ID`);
  if (!/^i-[0-9a-f]{8,32}$/.test(instanceId)) throw refuse(`instanceId "${instanceId}" is not an EC2 instance ID`);
  const pendingTime = need('pendingTime');
  if (Number.isNaN(Date.parse(pendingTime))) throw refuse(`pendingTime "${pendingTime}" is not a time`);
  const optional = (k: string) => (str(k) ? { [k]: str(k) } : {});
  return {
    accountId,
    instanceId,
    region: need('region'),
    pendingTime,
    ...optional('availabilityZone'),
    ...optional('instanceType'),
    ...optional('imageId'),
    ...optional('privateIp'),
  };
}
