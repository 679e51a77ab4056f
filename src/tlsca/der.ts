/**
 * A small ASN.1 DER writer and reader: enough to build a certificate's TBSCertificate and to walk
 * one (issuer name, validity, subject attributes, extensions). Issuing and reading certificates with
 * it and node:crypto costs microseconds where a general ASN.1 library costs milliseconds per join.
 */
import { BadParameterError } from '../api/errors.js';

/** Universal tags this folder writes or reads. */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  t61String: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with `tag` around `content` (a buffer, or parts to concatenate). */
export function tlv(tag: number, content: Buffer | Buffer[]): Buffer {
  const body = Array.isArray(content) ? Buffer.concat(content) : content;
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

export const seq = (...parts: Buffer[]): Buffer => tlv(Tag.sequence, parts);

/**
 * A SET in the order given. A multi-valued RDN keeps its values in the identity's order (roles,
 * logins), as certificates issued by this project always have, so a reader gets them back as listed.
 */
export const set = (parts: Buffer[]): Buffer => tlv(Tag.set, parts);

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new BadParameterError(`malformed OID "${dotted}"`);
  const out: number[] = [];
  const base128 = (v: number): void => {
    const chunk = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) chunk.unshift((x & 0x7f) | 0x80);
    out.push(...chunk);
  };
  base128(arcs[0] * 40 + arcs[1]);
  for (const a of arcs.slice(2)) base128(a);
  return tlv(Tag.oid, Buffer.from(out));
}

/** An INTEGER from unsigned big-endian bytes (a leading zero added when the top bit is set). */
export function unsignedInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return tlv(Tag.integer, trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** A BIT STRING holding whole bytes. */
export const bitString = (bytes: Buffer): Buffer => tlv(Tag.bitString, [Buffer.from([0]), bytes]);

/** Context-specific tag `n`, constructed (EXPLICIT) or primitive (IMPLICIT of a primitive type). */
export const contextTag = (n: number, constructed: boolean): number => 0x80 | (constructed ? 0x20 : 0) | n;

/** UTCTime for years 1950-2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5), whole seconds. */
export function time(date: Date): Buffer {
  const iso = date.toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(Tag.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'latin1'));
  return tlv(Tag.generalizedTime, Buffer.from(`${digits}Z`, 'latin1'));
}

/** One element read by `readTLV`: its tag, content, and the whole encoding. */
export interface Element {
  tag: number;
  content: Buffer;
  /** The element's full encoding (tag, length and content). */
  raw: Buffer;
}

/** Reads the element at `offset` of `buf`; BadParameterError when it is truncated or not DER. */
export function readTLV(buf: Buffer, offset = 0): Element {
  if (offset + 2 > buf.length) throw new BadParameterError('truncated DER');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new BadParameterError('DER: multi-byte tags are not supported');
  let len = buf[offset + 1];
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || offset + 2 + n > buf.length) throw new BadParameterError('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i];
    head += n;
  }
  const end = offset + head + len;
  if (end > buf.length) throw new BadParameterError('truncated DER');
  return { tag, content: buf.subarray(offset + head, end), raw: buf.subarray(offset, end) };
}

/** The elements inside a constructed element's content. */
export function children(content: Buffer): Element[] {
  const out: Element[] = [];
  for (let off = 0; off < content.length; ) {
    const e = readTLV(content, off);
    out.push(e);
    off += e.raw.length;
  }
  return out;
}

/** The dotted form of an OBJECT IDENTIFIER's content. */
export function readOID(content: Buffer): string {
  const arcs: number[] = [];
  let v = 0;
  for (const b of content) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}

/** The text of a string element (PrintableString, UTF8String, IA5String, T61String, BMPString). */
export function readString(e: Element): string {
  switch (e.tag) {
    case Tag.utf8String:
      return e.content.toString('utf8');
    case Tag.printableString:
    case Tag.ia5String:
    case Tag.t61String:
      return e.content.toString('latin1');
    case Tag.bmpString:
      return Buffer.from(e.content).swap16().toString('utf16le');
    default:
      throw new BadParameterError(`DER: element of tag 0x${e.tag.toString(16)} is not a string`);
  }
}

/** A UTCTime or GeneralizedTime element as a Date. */
export function readTime(e: Element): Date {
  const s = e.content.toString('latin1');
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m || (e.tag === Tag.utcTime) !== (m[1].length === 2)) throw new BadParameterError(`DER: malformed time "${s}"`);
  let year = Number(m[1]);
  if (e.tag === Tag.utcTime) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}
