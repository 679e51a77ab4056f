/**
 * Walking a certificate's DER (RFC 5280 4.1): the TBSCertificate's issuer, validity, subject, public
 * key and extensions, without a general ASN.1 library. BadParameterError for malformed input.
 */
import { BadParameterError } from '../api/errors.js';
import { Tag, children, contextTag, readOID, readTLV, readTime, type Element } from './der.js';

/** The parts of a certificate issuance and identity reading use. */
export interface CertificateParts {
  issuer: Element;
  subject: Element;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo, whole. */
  spki: Element;
  /** Extension values (the OCTET STRING's content) by OID. */
  extensions: Map<string, { critical: boolean; value: Buffer }>;
}

/** The DER of a PEM certificate (or the DER itself). */
export function certificateDer(cert: string | Buffer): Buffer {
  if (Buffer.isBuffer(cert)) return cert;
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(cert);
  if (!m) throw new BadParameterError('malformed X.509 certificate: no PEM CERTIFICATE block');
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

/** Reads the parts of a certificate given as PEM or DER. */
export function certificateParts(cert: string | Buffer): CertificateParts {
  try {
    const outer = readTLV(certificateDer(cert));
    const [tbs] = children(outer.content);
    if (outer.tag !== Tag.sequence || tbs?.tag !== Tag.sequence) throw new Error('not a SEQUENCE');
    const fields = children(tbs.content);
    // version [0] is optional (absent means v1).
    const f = fields[0]?.tag === contextTag(0, true) ? fields.slice(1) : fields;
    const [, , issuer, validity, subject, spki, ...rest] = f;
    if (!issuer || !validity || !subject || !spki) throw new Error('missing TBSCertificate fields');
    const [notBefore, notAfter] = children(validity.content);
    if (!notBefore || !notAfter) throw new Error('malformed validity');
    const extensions = new Map<string, { critical: boolean; value: Buffer }>();
    const extField = rest.find((e) => e.tag === contextTag(3, true));
    if (extField) {
      const [list] = children(extField.content);
      for (const ext of children(list?.content ?? Buffer.alloc(0))) {
        const parts = children(ext.content);
        const critical = parts[1]?.tag === Tag.boolean && parts[1].content[0] !== 0;
        const value = parts[parts.length - 1];
        if (parts[0]?.tag !== Tag.oid || value?.tag !== Tag.octetString) throw new Error('malformed extension');
        extensions.set(readOID(parts[0].content), { critical, value: value.content });
      }
    }
    return { issuer, subject, notBefore: readTime(notBefore), notAfter: readTime(notAfter), spki, extensions };
  } catch (err) {
    if (err instanceof BadParameterError && /^malformed X\.509/.test(err.message)) throw err;
    throw new BadParameterError('malformed X.509 certificate', { cause: err });
  }
}
