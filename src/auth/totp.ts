/**
 * TOTP (RFC 6238) as authenticator apps implement it: SHA-1, 6 digits, 30-second steps, base32
 * secrets, `otpauth://` URIs. Time comes from the injected clock.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BadParameterError } from '../api/errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Step length in milliseconds. */
export const TOTP_PERIOD = 30_000;

/** Base32 without padding, as authenticator apps expect. */
export function base32Encode(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32 (case-insensitive, spaces and padding ignored); BadParameterError on other characters. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) throw new BadParameterError('the TOTP secret is not valid base32');
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new random secret (20 bytes, base32). */
export function newTOTPSecret(): string {
  return base32Encode(randomBytes(20));
}

/** The 6-digit code for a secret at a time (ms). */
export function totpCode(secret: string, atMs: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / TOTP_PERIOD)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return n.toString().padStart(6, '0');
}

/**
 * Checks a code against the current step and one step either side (clock skew). Returns the step
 * that matched, so callers can refuse a code used twice, or undefined.
 */
export function verifyTOTP(secret: string, code: string, nowMs: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  for (const skew of [0, -1, 1]) {
    const at = nowMs + skew * TOTP_PERIOD;
    const want = Buffer.from(totpCode(secret, at));
    if (timingSafeEqual(want, Buffer.from(code))) return Math.floor(at / TOTP_PERIOD);
  }
  return undefined;
}

/** The `otpauth://` URI an authenticator app scans. */
export function totpURI(secret: string, account: string, issuer: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}
