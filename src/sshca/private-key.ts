/**
 * Private keys: the unencrypted `openssh-key-v1` format (`-----BEGIN OPENSSH PRIVATE KEY-----`) as
 * ssh-keygen writes it, plus PKCS#8/PKCS#1/SEC1 PEM through node:crypto.
 */
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { BadParameterError } from '../api/errors.js';
import { curveOfType, keyObjectType, publicKeyToBlob } from './keys.js';
import { padStart, SSHReader, SSHWriter } from './wire.js';

const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
/** Cipher block size of "none", which sets the padding of the private section. */
const BLOCK = 8;

/** Encode a private KeyObject (ed25519, ecdsa, rsa) as an unencrypted OpenSSH private key file. */
export function encodeOpenSSHPrivateKey(privateKey: KeyObject, comment = ''): string {
  if (privateKey.type !== 'private') throw new BadParameterError('encodeOpenSSHPrivateKey needs a private key');
  const type = keyObjectType(privateKey);
  const pubBlob = publicKeyToBlob(privateKey);
  const jwk = privateKey.export({ format: 'jwk' });
  const check = randomBytes(4).readUInt32BE();
  const priv = new SSHWriter().uint32(check).uint32(check).string(type);
  if (type === 'ssh-ed25519') {
    const pk = b64u(jwk.x);
    priv.string(pk).string(Buffer.concat([b64u(jwk.d), pk]));
  } else if (type === 'ssh-rsa') {
    priv
      .mpint(b64u(jwk.n))
      .mpint(b64u(jwk.e))
      .mpint(b64u(jwk.d))
      .mpint(b64u(jwk.qi))
      .mpint(b64u(jwk.p))
      .mpint(b64u(jwk.q));
  } else {
    // The public fields (curve name, point) are the blob after its type string.
    const r = new SSHReader(pubBlob);
    r.string();
    priv.raw(r.rest()).mpint(b64u(jwk.d));
  }
  priv.string(comment);
  const body = priv.toBuffer();
  const pad = Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK);
  for (let i = 0; i < pad.length; i++) pad[i] = i + 1;
  const file = new SSHWriter()
    .raw(MAGIC)
    .string('none')
    .string('none')
    .string('')
    .uint32(1)
    .string(pubBlob)
    .string(Buffer.concat([body, pad]))
    .toBuffer();
  const b64 = file.toString('base64').match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${b64.join('\n')}\n${END}\n`;
}

/**
 * Decode an unencrypted OpenSSH private key file. Encrypted keys, several keys in one file, or any
 * inconsistency (check bytes, padding, public half) throw BadParameterError.
 */
export function decodeOpenSSHPrivateKey(pem: string): KeyObject {
  const start = pem.indexOf(BEGIN);
  const stop = pem.indexOf(END);
  if (start < 0 || stop < start) throw new BadParameterError('not an OpenSSH private key (missing BEGIN/END lines)');
  const b64 = pem.slice(start + BEGIN.length, stop).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new BadParameterError('OpenSSH private key has invalid base64');
  const file = Buffer.from(b64, 'base64');
  if (file.length < MAGIC.length || !file.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new BadParameterError('OpenSSH private key has a bad magic header');
  }
  const r = new SSHReader(file.subarray(MAGIC.length), 'OpenSSH private key');
  const cipher = r.text('cipher name');
  const kdf = r.text('kdf name');
  r.string('kdf options');
  if (cipher !== 'none' || kdf !== 'none') {
    throw new BadParameterError(
      `encrypted OpenSSH private keys are not supported (cipher ${cipher}); remove the passphrase with ssh-keygen -p`,
    );
  }
  const n = r.uint32('key count');
  if (n !== 1) throw new BadParameterError(`OpenSSH private key file holds ${n} keys; expected exactly 1`);
  const pubBlob = r.string('public key');
  const section = r.string('private section');
  r.end();
  if (section.length % BLOCK !== 0) throw new BadParameterError('OpenSSH private key section is not block aligned');

  const p = new SSHReader(section, 'OpenSSH private key');
  if (p.uint32('check') !== p.uint32('check')) {
    throw new BadParameterError('OpenSSH private key check bytes differ (corrupt, or wrongly decrypted)');
  }
  const type = p.text('key type');
  const key = readPrivateFields(p, type);
  p.string('comment');
  const pad = p.rest();
  if (pad.length >= BLOCK || pad.some((b, i) => b !== i + 1)) {
    throw new BadParameterError('OpenSSH private key has bad padding');
  }
  if (!publicKeyToBlob(key).equals(pubBlob)) {
    throw new BadParameterError('OpenSSH private key does not match its public key');
  }
  return key;
}

/**
 * Read a private key from OpenSSH format or PEM (PKCS#8, PKCS#1 RSA, SEC1 EC). Encrypted or
 * unsupported keys (DSA, Ed448, other curves) throw BadParameterError.
 */
export function parsePrivateKey(pem: string | Buffer): KeyObject {
  const text = Buffer.isBuffer(pem) ? pem.toString('utf8') : pem;
  if (text.includes(BEGIN)) return decodeOpenSSHPrivateKey(text);
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(text)) {
    throw new BadParameterError('encrypted PEM private keys are not supported; decrypt the key first');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (cause) {
    throw new BadParameterError('not a readable private key (want OpenSSH, PKCS#8, PKCS#1 or SEC1 PEM)', { cause });
  }
  keyObjectType(key);
  return key;
}

function readPrivateFields(p: SSHReader, type: string): KeyObject {
  let jwk: Record<string, string>;
  if (type === 'ssh-ed25519') {
    const pk = p.string('ed25519 public key');
    const sk = p.string('ed25519 private key');
    if (pk.length !== 32 || sk.length !== 64 || !sk.subarray(32).equals(pk)) {
      throw new BadParameterError('malformed ed25519 private key');
    }
    jwk = { kty: 'OKP', crv: 'Ed25519', x: u(pk), d: u(sk.subarray(0, 32)) };
  } else if (type === 'ssh-rsa') {
    const n = p.mpint('rsa n');
    const e = p.mpint('rsa e');
    const d = p.mpint('rsa d');
    const qi = p.mpint('rsa iqmp');
    const pp = p.mpint('rsa p');
    const q = p.mpint('rsa q');
    const [dB, pB, qB] = [d, pp, q].map(big);
    if (pB < 3n || qB < 3n || pB * qB !== big(n)) throw new BadParameterError('malformed RSA private key');
    // OpenSSH does not store d mod (p-1) and d mod (q-1); JWK needs them.
    jwk = {
      kty: 'RSA',
      n: u(n),
      e: u(e),
      d: u(d),
      p: u(pp),
      q: u(q),
      dp: u(magnitude(dB % (pB - 1n))),
      dq: u(magnitude(dB % (qB - 1n))),
      qi: u(qi),
    };
  } else {
    const c = curveOfType(type);
    if (!c) throw new BadParameterError(`unsupported private key type "${type}"`);
    if (p.text('ecdsa curve name') !== c.ssh) throw new BadParameterError(`ecdsa curve does not match ${type}`);
    const q = p.string('ecdsa public point');
    const d = p.mpint('ecdsa private scalar');
    if (q.length !== 1 + 2 * c.size || q[0] !== 4) throw new BadParameterError('ecdsa public point is not uncompressed');
    jwk = {
      kty: 'EC',
      crv: c.jwk,
      x: u(q.subarray(1, 1 + c.size)),
      y: u(q.subarray(1 + c.size)),
      d: u(padStart(d, c.size, 'ecdsa private scalar')),
    };
  }
  try {
    const key = createPrivateKey({ key: jwk, format: 'jwk' });
    createPublicKey(key);
    return key;
  } catch (cause) {
    throw new BadParameterError(`invalid ${type} private key`, { cause });
  }
}

function b64u(v: string | undefined): Buffer {
  if (v === undefined) throw new BadParameterError('private key is missing a component');
  return Buffer.from(v, 'base64url');
}

function u(b: Buffer): string {
  // JWK integers carry no leading zero bytes, except the fixed-size EC/OKP fields handled by callers.
  return b.toString('base64url');
}

function magnitude(v: bigint): Buffer {
  const hex = v.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

function big(b: Buffer): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${b.toString('hex')}`);
}
