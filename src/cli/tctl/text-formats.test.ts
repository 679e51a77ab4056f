import { describe, expect, it } from 'vitest';
import { formatLabels, parseLabelSpec, rfc822, roundedDuration, shortDuration } from './text-formats.js';

describe('tctl text formats', () => {
  it('formats times as Go RFC 822 in UTC', () => {
    expect(rfc822(new Date('2006-01-02T15:04:05Z'))).toBe('02 Jan 06 15:04 UTC');
    expect(rfc822(new Date('2030-12-31T09:05:59Z'))).toBe('31 Dec 30 09:05 UTC');
  });

  it.each([
    [3_600_000, '1h0m0s', '1h'],
    [1_799_600, '30m0s', '30m'],
    [299_400, '4m59s', '4m59s'],
    [8 * 3_600_000, '8h0m0s', '8h'],
    [90 * 60_000, '1h30m0s', '1h30m'],
  ])('rounds %d ms to %s (short %s)', (ms, full, short) => {
    expect(roundedDuration(ms)).toBe(full);
    expect(shortDuration(ms)).toBe(short);
  });

  it('parses and prints label specs', () => {
    expect(parseLabelSpec('env=prod, region=us-west')).toEqual({ env: 'prod', region: 'us-west' });
    expect(formatLabels({ z: '1', a: '2' })).toBe('a=2,z=1');
    expect(() => parseLabelSpec('=x')).toThrow(/invalid label spec/);
  });
});
