import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, totpCode, totpURI, verifyTOTP } from './totp.js';

// RFC 6238 appendix B test vectors (SHA-1 seed "12345678901234567890"), last 6 digits.
const SEED = base32Encode(Buffer.from('12345678901234567890'));

describe('TOTP', () => {
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ])('RFC 6238 vector at %d s', (sec, code) => {
    expect(totpCode(SEED, sec * 1000)).toBe(code);
  });

  it('base32 round-trips and refuses junk', () => {
    const buf = Buffer.from('hello world, totp!');
    expect(base32Decode(base32Encode(buf))).toEqual(buf);
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(() => base32Decode('not base32 1!')).toThrow(/base32/);
  });

  it('accepts one step of skew and nothing more', () => {
    const now = 1_700_000_000_000;
    expect(verifyTOTP(SEED, totpCode(SEED, now - 30_000), now)).toBeDefined();
    expect(verifyTOTP(SEED, totpCode(SEED, now + 30_000), now)).toBeDefined();
    expect(verifyTOTP(SEED, totpCode(SEED, now - 90_000), now)).toBeUndefined();
    expect(verifyTOTP(SEED, '12345', now)).toBeUndefined();
    expect(verifyTOTP(SEED, 'abcdef', now)).toBeUndefined();
  });

  it('builds an otpauth URI', () => {
    expect(totpURI('ABC', 'alice', 'example.com')).toBe(
      'otpauth://totp/example.com%3Aalice?secret=ABC&issuer=example.com&algorithm=SHA1&digits=6&period=30',
    );
  });
});
