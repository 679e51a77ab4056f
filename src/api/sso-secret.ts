/**
 * The console SSO response is sealed to tsh (Teleport's lib/secret): tsh puts a random 256-bit key,
 * hex, in its callback URL's `secret_key`; the proxy seals the login response with AES-256-GCM under
 * it and sends the browser to tsh with `response=<{"ciphertext","nonce"} JSON>`. The browser, its
 * history and anything in between see only ciphertext; a tampered response fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AccessDeniedError, BadParameterError } from './errors.js';

const TAG = 16;

/** A fresh key, hex (what tsh puts in `secret_key`). */
export function newSecretKey(): string {
  return randomBytes(32).toString('hex');
}

function keyOf(hex: string): Buffer {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new BadParameterError('secret_key must be 64 hex digits (a 256-bit key)');
  return Buffer.from(hex, 'hex');
}

/** Seals `plaintext` under the hex key: `{"ciphertext": b64, "nonce": b64}` (the tag ends the ciphertext, as Go's GCM). */
export function sealSecret(hexKey: string, plaintext: string): string {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keyOf(hexKey), nonce);
  const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()]);
  return JSON.stringify({ ciphertext: body.toString('base64'), nonce: nonce.toString('base64') });
}

/** Opens what sealSecret made; AccessDeniedError when it was tampered with or sealed under another key. */
export function openSecret(hexKey: string, sealed: string): string {
  let parsed: { ciphertext?: unknown; nonce?: unknown };
  try {
    parsed = JSON.parse(sealed) as typeof parsed;
  } catch (err) {
    throw new AccessDeniedError('the login response is not a sealed response', { cause: err });
  }
  if (typeof parsed.ciphertext !== 'string' || typeof parsed.nonce !== 'string') throw new AccessDeniedError('the login response is not a sealed response');
  const body = Buffer.from(parsed.ciphertext, 'base64');
  const nonce = Buffer.from(parsed.nonce, 'base64');
  if (body.length < TAG || nonce.length !== 12) throw new AccessDeniedError('the login response is not a sealed response');
  try {
    const d = createDecipheriv('aes-256-gcm', keyOf(hexKey), nonce);
    d.setAuthTag(body.subarray(body.length - TAG));
    return Buffer.concat([d.update(body.subarray(0, body.length - TAG)), d.final()]).toString('utf8');
  } catch (err) {
    throw new AccessDeniedError('the login response failed its integrity check (tampered with, or not sealed for this tsh)', { cause: err });
  }
}
