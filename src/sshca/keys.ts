/**
 * OpenSSH public keys on node:crypto: generation, wire blobs, fingerprints and the
 * `authorized_keys` line form.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { BadParameterError } from '../api/errors.js';
import { padStart, SSHReader, SSHWriter } from './wire.js';

/** The plain (non-certificate) key types we read and write. */
export type SSHKeyType =
  | 'ssh-ed25519'
  | 'ecdsa-sha2-nistp256'
  | 'ecdsa-sha2-nistp384'
  | 'ecdsa-sha2-nistp521'
  | 'ssh-rsa';

/** Key kinds `generateKeyPair` can make. */
export type KeyAlgorithm = 'ed25519' | 'ecdsa-p256' | 'rsa2048' | 'rsa4096';

/** Every plain key type, in a stable order. */
export const SSH_KEY_TYPES: readonly SSHKeyType[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
];

/** Suffix OpenSSH appends to a key type to name its certificate type. */
export const CERT_SUFFIX = '-cert-v01@openssh.com';

/** RSA moduli OpenSSH accepts (bits). */
const RSA_MIN_BITS = 1024;
const RSA_MAX_BITS = 16384;

interface Curve {
  ssh: 'nistp256' | 'nistp384' | 'nistp521';
  jwk: 'P-256' | 'P-384' | 'P-521';
  node: string;
  size: number;
  hash: 'sha256' | 'sha384' | 'sha512';
}

const CURVES: Curve[] = [
  { ssh: 'nistp256', jwk: 'P-256', node: 'prime256v1', size: 32, hash: 'sha256' },
  { ssh: 'nistp384', jwk: 'P-384', node: 'secp384r1', size: 48, hash: 'sha384' },
  { ssh: 'nistp521', jwk: 'P-521', node: 'secp521r1', size: 66, hash: 'sha512' },
];

/** True when `t` is one of the plain key types we support. */
export function isSSHKeyType(t: string): t is SSHKeyType {
  return (SSH_KEY_TYPES as readonly string[]).includes(t);
}

/** True when `t` names a certificate type of a supported key (`ssh-ed25519-cert-v01@openssh.com`). */
export function isCertType(t: string): boolean {
  return t.endsWith(CERT_SUFFIX) && isSSHKeyType(t.slice(0, -CERT_SUFFIX.length));
}

/** Curve parameters for an ECDSA key type (internal to this folder). */
export function curveOfType(t: string): Curve | undefined {
  return CURVES.find((c) => t === `ecdsa-sha2-${c.ssh}`);
}

/** Generate a fresh key pair; RSA keys use e = 65537. */
export function generateKeyPair(type: KeyAlgorithm = 'ed25519'): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (type) {
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    case 'ecdsa-p256':
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    case 'rsa2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
    case 'rsa4096':
      return generateKeyPairSync('rsa', { modulusLength: 4096, publicExponent: 65537 });
    default:
      throw new BadParameterError(`unknown key algorithm "${String(type)}"`);
  }
}

/** The SSH key type of a KeyObject (public or private); BadParameterError if unsupported. */
export function keyObjectType(key: KeyObject): SSHKeyType {
  const kind = key.asymmetricKeyType;
  if (kind === 'ed25519') return 'ssh-ed25519';
  if (kind === 'rsa') return 'ssh-rsa';
  if (kind === 'ec') {
    const c = CURVES.find((x) => x.node === key.asymmetricKeyDetails?.namedCurve);
    if (c) return `ecdsa-sha2-${c.ssh}`;
    throw new BadParameterError(`unsupported EC curve ${key.asymmetricKeyDetails?.namedCurve}`);
  }
  throw new BadParameterError(`unsupported key kind "${kind ?? key.type}" (want ed25519, ecdsa or rsa)`);
}

/** Write a key's type-specific public fields (without the type string), shared with certificates. */
export function writePublicKeyFields(w: SSHWriter, key: KeyObject): SSHKeyType {
  const type = keyObjectType(key);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  if (type === 'ssh-ed25519') {
    w.string(b64u(jwk.x));
  } else if (type === 'ssh-rsa') {
    w.mpint(b64u(jwk.e)).mpint(b64u(jwk.n));
  } else {
    const c = curveOfType(type)!;
    const x = padStart(b64u(jwk.x), c.size);
    const y = padStart(b64u(jwk.y), c.size);
    w.string(c.ssh).string(Buffer.concat([Buffer.from([4]), x, y]));
  }
  return type;
}

/** Read a key's public fields for `type` from `r` and build a KeyObject; BadParameterError if invalid. */
export function readPublicKeyFields(r: SSHReader, type: string): KeyObject {
  let jwk: Record<string, string>;
  if (type === 'ssh-ed25519') {
    const pk = r.string('ed25519 public key');
    if (pk.length !== 32) throw new BadParameterError(`ed25519 public key must be 32 bytes, got ${pk.length}`);
    jwk = { kty: 'OKP', crv: 'Ed25519', x: pk.toString('base64url') };
  } else if (type === 'ssh-rsa') {
    const e = r.mpint('rsa exponent');
    const n = r.mpint('rsa modulus');
    const bits = bitLength(n);
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
      throw new BadParameterError(`RSA modulus of ${bits} bits is outside ${RSA_MIN_BITS}..${RSA_MAX_BITS}`);
    }
    if (e.length === 0 || e.length > 8 || (e[e.length - 1] & 1) === 0) throw new BadParameterError('bad RSA exponent');
    jwk = { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') };
  } else {
    const c = curveOfType(type);
    if (!c) throw new BadParameterError(`unsupported key type "${type}"`);
    const name = r.text('ecdsa curve name');
    if (name !== c.ssh) throw new BadParameterError(`ecdsa curve "${name}" does not match key type ${type}`);
    const q = r.string('ecdsa public point');
    if (q.length !== 1 + 2 * c.size || q[0] !== 4) throw new BadParameterError('ecdsa public point is not uncompressed');
    jwk = {
      kty: 'EC',
      crv: c.jwk,
      x: q.subarray(1, 1 + c.size).toString('base64url'),
      y: q.subarray(1 + c.size).toString('base64url'),
    };
  }
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    throw new BadParameterError(`invalid ${type} public key`, { cause });
  }
}

/** The SSH wire blob (`string type, fields...`) of a public or private KeyObject. */
export function publicKeyToBlob(key: KeyObject): Buffer {
  const fields = new SSHWriter();
  const type = writePublicKeyFields(fields, key);
  return new SSHWriter().string(type).raw(fields.toBuffer()).toBuffer();
}

/** Parse a plain public key blob into a KeyObject; BadParameterError on anything malformed. */
export function blobToPublicKey(blob: Buffer): KeyObject {
  const r = new SSHReader(blob, 'public key');
  const type = r.text('key type');
  if (!isSSHKeyType(type)) {
    throw new BadParameterError(
      isCertType(type) ? `expected a plain public key, got certificate type ${type}` : `unsupported key type "${type}"`,
    );
  }
  const key = readPublicKeyFields(r, type);
  r.end();
  return key;
}

/** The type string at the head of a key or certificate blob (not validated further). */
export function sshKeyType(blob: Buffer): string {
  return new SSHReader(blob, 'key blob').text('key type');
}

/** `SHA256:<unpadded base64>` of a key or certificate blob, as `ssh-keygen -l` prints it. */
export function fingerprint(blobOrKey: Buffer | KeyObject): string {
  const blob = Buffer.isBuffer(blobOrKey) ? blobOrKey : publicKeyToBlob(blobOrKey);
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** One `authorized_keys`-style line: `<type> <base64> [comment]`, no trailing newline. */
export function formatAuthorizedKey(blobOrKey: Buffer | KeyObject, comment?: string): string {
  const blob = Buffer.isBuffer(blobOrKey) ? blobOrKey : publicKeyToBlob(blobOrKey);
  const line = `${sshKeyType(blob)} ${blob.toString('base64')}`;
  const c = comment?.replace(/[\r\n]+/g, ' ').trim();
  return c ? `${line} ${c}` : line;
}

/** A parsed `authorized_keys`/`.pub` line; `options` is the leading option string when present. */
export interface AuthorizedKey {
  type: string;
  blob: Buffer;
  comment: string;
  options?: string;
}

/**
 * Parse an `authorized_keys`, `known_hosts`-less `.pub` or certificate line (optionally led by an
 * options field). The type word must match the blob. BadParameterError on anything else.
 */
export function parseAuthorizedKey(line: string): AuthorizedKey {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) throw new BadParameterError('empty or comment line has no key');
  const tokens = tokenize(text);
  const at = isKnownType(tokens[0]?.text) ? 0 : isKnownType(tokens[1]?.text) ? 1 : -1;
  if (at < 0) {
    throw new BadParameterError(`unsupported or missing key type in "${text.slice(0, 40)}"`);
  }
  const type = tokens[at].text;
  const data = tokens[at + 1];
  if (!data || !/^[A-Za-z0-9+/]+={0,2}$/.test(data.text) || data.text.length % 4 !== 0) {
    throw new BadParameterError(`${type} key has missing or invalid base64 data`);
  }
  const blob = Buffer.from(data.text, 'base64');
  const inner = sshKeyType(blob);
  if (inner !== type) throw new BadParameterError(`key type "${type}" does not match its data ("${inner}")`);
  const comment = text.slice(data.end).trim();
  return at === 1 ? { type, blob, comment, options: tokens[0].text } : { type, blob, comment };
}

function isKnownType(t: string | undefined): boolean {
  return t !== undefined && (isSSHKeyType(t) || isCertType(t));
}

/** Split on unquoted whitespace, keeping double-quoted runs (option values) inside one token. */
function tokenize(s: string): { text: string; end: number }[] {
  const out: { text: string; end: number }[] = [];
  let i = 0;
  while (i < s.length && out.length < 3) {
    while (i < s.length && /\s/.test(s[i])) i++;
    const start = i;
    let quoted = false;
    while (i < s.length && (quoted || !/\s/.test(s[i]))) {
      if (s[i] === '\\' && quoted) i++;
      else if (s[i] === '"') quoted = !quoted;
      i++;
    }
    if (i > start) out.push({ text: s.slice(start, i), end: i });
  }
  return out;
}

function b64u(v: string | undefined): Buffer {
  if (v === undefined) throw new BadParameterError('key is missing a component');
  return Buffer.from(v, 'base64url');
}

function bitLength(mag: Buffer): number {
  if (mag.length === 0) return 0;
  return (mag.length - 1) * 8 + (32 - Math.clz32(mag[0]));
}
