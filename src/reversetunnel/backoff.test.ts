// Backoff: doubling up to the cap, each delay drawn from the upper half of its window by the
// injected random, and reset after a success.
import { describe, expect, it } from 'vitest';
import { Backoff, backoffCeiling } from './backoff.js';

describe('Backoff', () => {
  it('doubles up to the cap with the delay in [ceiling/2, ceiling]', () => {
    const opts = { baseMs: 1_000, capMs: 10_000 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffCeiling(opts, n))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    const low = new Backoff({ ...opts, random: () => 0 });
    const high = new Backoff({ ...opts, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5].map(() => low.next())).toEqual([500, 1_000, 2_000, 4_000, 5_000]);
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([999, 1_999, 3_999, 7_999, 9_999]);
    expect(backoffCeiling(opts, 10_000)).toBe(10_000);
  });

  it('spreads agents that start together', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const firsts = Array.from({ length: 200 }, () => new Backoff({ baseMs: 1_000, capMs: 60_000, random }).next());
    expect(Math.min(...firsts)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...firsts)).toBeLessThanOrEqual(1_000);
    // Not a herd: the first retries of 200 agents fall into many distinct 10 ms slots.
    expect(new Set(firsts.map((d) => Math.floor(d / 10))).size).toBeGreaterThan(30);
  });

  it('starts over after reset and refuses nonsense settings', () => {
    const b = new Backoff({ baseMs: 100, capMs: 1_000, random: () => 0.5 });
    expect([b.next(), b.next(), b.next()]).toEqual([75, 150, 300]);
    expect(b.attempts).toBe(3);
    b.reset();
    expect(b.next()).toBe(75);
    expect(() => new Backoff({ baseMs: 0, capMs: 1 })).toThrow(RangeError);
    expect(() => new Backoff({ baseMs: 10, capMs: 5 })).toThrow(RangeError);
  });
});
