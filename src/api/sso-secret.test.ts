// The console SSO response is sealed to tsh's key: it opens with that key only, and a flipped byte fails.
import { describe, expect, it } from 'vitest';
import { newSecretKey, openSecret, sealSecret } from './sso-secret.js';

describe('sso-secret', () => {
  it('opens what it sealed, with the same key only', () => {
    const key = newSecretKey();
    const sealed = sealSecret(key, '{"username":"octocat"}');
    expect(JSON.parse(sealed)).toEqual({ ciphertext: expect.any(String), nonce: expect.any(String) });
    expect(openSecret(key, sealed)).toBe('{"username":"octocat"}');
    expect(() => openSecret(newSecretKey(), sealed)).toThrow(/failed its integrity check/);
  });

  it('refuses a tampered ciphertext, a non-JSON response and a malformed key', () => {
    const key = newSecretKey();
    const s = JSON.parse(sealSecret(key, 'certificates')) as { ciphertext: string; nonce: string };
    const body = Buffer.from(s.ciphertext, 'base64');
    body[0] ^= 1;
    expect(() => openSecret(key, JSON.stringify({ ...s, ciphertext: body.toString('base64') }))).toThrow(/tampered/);
    expect(() => openSecret(key, 'not json')).toThrow(/not a sealed response/);
    expect(() => sealSecret('abcd', 'x')).toThrow(/64 hex digits/);
  });
});
