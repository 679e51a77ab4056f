/**
 * OpenSSH certificates (PROTOCOL.certkeys, `*-cert-v01@openssh.com`): signing, parsing and the
 * authorized_keys-style line form. Verification against trusted CAs lives in cert-verify.ts.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { BadParameterError } from '../api/errors.js';
import {
  blobToPublicKey,
  CERT_SUFFIX,
  formatAuthorizedKey,
  isCertType,
  keyObjectType,
  parseAuthorizedKey,
  publicKeyToBlob,
  readPublicKeyFields,
  sshKeyType,
} from './keys.js';
import { signatureAlgorithm, signSSH } from './signature.js';
import { parseSourceAddress } from './source-address.js';
import { SSHReader, SSHWriter } from './wire.js';

/** `validBefore` of a certificate that never expires. */
export const CERT_FOREVER = 0xffff_ffff_ffff_ffffn;

/** A parsed OpenSSH certificate; `blob` is the whole wire form and the source of truth. */
export interface SSHCertificate {
  type: 'user' | 'host';
  /** Certificate key type, e.g. `ssh-ed25519-cert-v01@openssh.com`. */
  keyType: string;
  nonce: Buffer;
  /** The certified plain public key blob. */
  publicKey: Buffer;
  serial: bigint;
  keyId: string;
  principals: string[];
  /** Seconds since the epoch. */
  validAfter: bigint;
  /** Seconds since the epoch; CERT_FOREVER for no expiry. */
  validBefore: bigint;
  criticalOptions: Record<string, string>;
  extensions: Record<string, string>;
  /** The signing CA's plain public key blob. */
  signatureKey: Buffer;
  /** The CA's SSH signature blob over everything before it. */
  signature: Buffer;
  blob: Buffer;
}

/** What `signCertificate` needs; times are Dates or epoch seconds. */
export interface SignCertificateOptions {
  type: 'user' | 'host';
  publicKey: Buffer | KeyObject;
  keyId: string;
  principals: string[];
  validAfter: Date | bigint;
  validBefore: Date | bigint;
  serial?: bigint;
  criticalOptions?: Record<string, string>;
  extensions?: Record<string, string>;
  caPrivateKey: KeyObject;
  /** 32 random bytes unless given (tests). */
  nonce?: Buffer;
}

const CERT_TYPE = { user: 1, host: 2 } as const;

/**
 * Sign a certificate for `publicKey` with `caPrivateKey` (RSA CAs use rsa-sha2-512). Throws
 * BadParameterError on bad input: no principals, an empty or inverted validity window, bad options.
 */
export function signCertificate(opts: SignCertificateOptions): SSHCertificate {
  if (opts.type !== 'user' && opts.type !== 'host') throw new BadParameterError(`bad certificate type "${opts.type}"`);
  if (opts.caPrivateKey?.type !== 'private') throw new BadParameterError('caPrivateKey must be a private key');
  keyObjectType(opts.caPrivateKey);
  const keyBlob = Buffer.isBuffer(opts.publicKey) ? opts.publicKey : publicKeyToBlob(opts.publicKey);
  blobToPublicKey(keyBlob);
  if (!Array.isArray(opts.principals) || opts.principals.length === 0) {
    throw new BadParameterError('a certificate needs at least one principal (an empty list means "any" to OpenSSH)');
  }
  if (opts.principals.some((p) => typeof p !== 'string' || p === '')) {
    throw new BadParameterError('certificate principals must be non-empty strings');
  }
  const validAfter = toSeconds(opts.validAfter, 'validAfter');
  const validBefore = toSeconds(opts.validBefore, 'validBefore');
  if (validBefore <= validAfter) throw new BadParameterError('certificate validBefore must be after validAfter');
  const serial = opts.serial ?? 0n;
  const critical = opts.criticalOptions ?? {};
  if (Object.hasOwn(critical, 'source-address')) parseSourceAddress(critical['source-address']);
  const nonce = opts.nonce ?? randomBytes(32);

  const keyFields = new SSHReader(keyBlob, 'public key');
  const plainType = keyFields.text('key type');
  const principals = new SSHWriter();
  for (const p of opts.principals) principals.string(p);
  const body = new SSHWriter()
    .string(plainType + CERT_SUFFIX)
    .string(nonce)
    .raw(keyFields.rest())
    .uint64(serial)
    .uint32(CERT_TYPE[opts.type])
    .string(opts.keyId)
    .string(principals.toBuffer())
    .uint64(validAfter)
    .uint64(validBefore)
    .string(encodeOptions(critical, 'critical option'))
    .string(encodeOptions(opts.extensions ?? {}, 'extension'))
    .string('')
    .string(publicKeyToBlob(opts.caPrivateKey))
    .toBuffer();
  const signature = signSSH(opts.caPrivateKey, body, 'rsa-sha2-512');
  return parseCertificate(new SSHWriter().raw(body).string(signature).toBuffer());
}

/**
 * Parse a certificate blob or an authorized_keys-style certificate line. Checks structure only
 * (not trust or signature); BadParameterError on anything malformed, including trailing bytes.
 */
export function parseCertificate(blobOrLine: Buffer | string): SSHCertificate {
  const blob = Buffer.from(typeof blobOrLine === 'string' ? parseAuthorizedKey(blobOrLine).blob : blobOrLine);
  const r = new SSHReader(blob, 'certificate');
  const keyType = r.text('key type');
  if (!isCertType(keyType)) throw new BadParameterError(`"${keyType.slice(0, 64)}" is not a supported certificate type`);
  const plainType = keyType.slice(0, -CERT_SUFFIX.length);
  const nonce = r.string('nonce');
  const keyStart = r.offset;
  readPublicKeyFields(r, plainType);
  const publicKey = new SSHWriter().string(plainType).raw(blob.subarray(keyStart, r.offset)).toBuffer();
  const serial = r.uint64('serial');
  const typeNum = r.uint32('certificate type');
  if (typeNum !== CERT_TYPE.user && typeNum !== CERT_TYPE.host) {
    throw new BadParameterError(`unknown certificate type ${typeNum} (want 1 user or 2 host)`);
  }
  const keyId = r.text('key id');
  const pr = new SSHReader(r.string('principals'), 'certificate principals');
  const principals: string[] = [];
  while (pr.remaining > 0) principals.push(pr.text('principal'));
  const validAfter = r.uint64('valid after');
  const validBefore = r.uint64('valid before');
  const criticalOptions = decodeOptions(r.string('critical options'), 'critical option');
  const extensions = decodeOptions(r.string('extensions'), 'extension');
  r.string('reserved');
  const signatureKey = r.string('signature key');
  const signature = r.string('signature');
  r.end();
  sshKeyType(signatureKey);
  signatureAlgorithm(signature);
  return {
    type: typeNum === CERT_TYPE.user ? 'user' : 'host',
    keyType,
    nonce: Buffer.from(nonce),
    publicKey,
    serial,
    keyId,
    principals,
    validAfter,
    validBefore,
    criticalOptions,
    extensions,
    signatureKey: Buffer.from(signatureKey),
    signature: Buffer.from(signature),
    blob,
  };
}

/** The certificate as an authorized_keys-style line: `<cert type> <base64> [comment]`. */
export function formatCertificate(cert: SSHCertificate, comment?: string): string {
  return formatAuthorizedKey(cert.blob, comment);
}

/** The bytes a certificate's signature covers: the blob without its final signature string. */
export function certificateSignedBytes(cert: SSHCertificate): Buffer {
  return cert.blob.subarray(0, cert.blob.length - 4 - cert.signature.length);
}

/** Options as OpenSSH encodes them: sorted by name, a value as string-in-string, a flag as "". */
function encodeOptions(opts: Record<string, string>, what: string): Buffer {
  const w = new SSHWriter();
  const names = Object.keys(opts).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const value = opts[name];
    if (name === '') throw new BadParameterError(`${what} name must not be empty`);
    if (typeof value !== 'string') throw new BadParameterError(`${what} "${name}" must have a string value`);
    w.string(name).string(value === '' ? Buffer.alloc(0) : new SSHWriter().string(value).toBuffer());
  }
  return w.toBuffer();
}

function decodeOptions(buf: Buffer, what: string): Record<string, string> {
  const r = new SSHReader(buf, `certificate ${what}s`);
  const out: Record<string, string> = {};
  while (r.remaining > 0) {
    const name = r.text(`${what} name`);
    const data = r.string(`${what} "${name}" value`);
    if (name === '') throw new BadParameterError(`certificate has an empty ${what} name`);
    if (Object.hasOwn(out, name)) throw new BadParameterError(`certificate repeats ${what} "${name}"`);
    let value = '';
    if (data.length > 0) {
      const vr = new SSHReader(data, `${what} "${name}"`);
      value = vr.text('value');
      vr.end();
    }
    // defineProperty, so a hostile "__proto__" name stays an ordinary own key.
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function toSeconds(v: Date | bigint, field: string): bigint {
  if (typeof v === 'bigint') {
    if (v < 0n || v > CERT_FOREVER) throw new BadParameterError(`${field} is out of range`);
    return v;
  }
  if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw new BadParameterError(`${field} must be a valid Date`);
  const s = BigInt(Math.floor(v.getTime() / 1000));
  if (s < 0n) throw new BadParameterError(`${field} is before 1970`);
  return s;
}
