import { describe, expect, it } from 'vitest';
import { formatDuration, humanDuration, parseDuration } from './duration.js';
import { BadParameterError } from './errors.js';

describe('parseDuration', () => {
  it.each([
    ['5m', 300_000],
    ['1m0s', 60_000],
    ['1h0m0s', 3_600_000],
    ['30h', 108_000_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['0', 0],
    ['2h45m', 9_900_000],
    ['-1s', -1000],
  ])('%s', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', '5', 'abc', '5x', '1h30', 'h'])('refuses %j', (input) => {
    expect(() => parseDuration(input)).toThrow(BadParameterError);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [1500, '1.5s'],
    [60_000, '1m0s'],
    [43_200_000, '12h0m0s'],
    [1_800_000, '30m0s'],
  ])('%d', (ms, s) => {
    expect(formatDuration(ms)).toBe(s);
    expect(parseDuration(s)).toBe(ms);
  });

  it('human phrases', () => {
    expect(humanDuration(1_800_000)).toBe('30 minutes');
    expect(humanDuration(3_600_000)).toBe('1 hour');
    expect(humanDuration(90_000)).toBe('1m30s');
  });
});
