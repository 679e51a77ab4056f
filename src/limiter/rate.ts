/**
 * Token buckets per client address (`connection_limits.rates`): each rate refills `average` tokens
 * per `period` up to `burst`; a request takes one token from every bucket or is refused.
 */
import type { Clock } from '../api/clock.js';

/** One `connection_limits.rates` entry; `period` in milliseconds. */
export interface Rate {
  period: number;
  average: number;
  burst: number;
}

/** Addresses tracked before idle (full again) buckets are dropped. */
const SWEEP_AT = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/** The buckets of every address; `take` is false when any of an address's buckets is empty. */
export class RateBuckets {
  private readonly byKey = new Map<string, Bucket[]>();

  constructor(
    private readonly rates: readonly Rate[],
    private readonly clock: Clock,
  ) {}

  /** Take one token for `key` from each bucket; false (and nothing taken) if one is empty. */
  take(key: string): boolean {
    if (this.rates.length === 0) return true;
    const now = this.clock.now();
    let buckets = this.byKey.get(key);
    if (!buckets) {
      if (this.byKey.size >= SWEEP_AT) this.sweep(now);
      buckets = this.rates.map((r) => ({ tokens: r.burst, at: now }));
      this.byKey.set(key, buckets);
    }
    buckets.forEach((b, i) => this.refill(b, this.rates[i], now));
    if (buckets.some((b) => b.tokens < 1)) return false;
    for (const b of buckets) b.tokens -= 1;
    return true;
  }

  /** True when every bucket of `key` has a token (nothing is taken). */
  has(key: string): boolean {
    const buckets = this.byKey.get(key);
    if (!buckets) return true;
    const now = this.clock.now();
    buckets.forEach((b, i) => this.refill(b, this.rates[i], now));
    return buckets.every((b) => b.tokens >= 1);
  }

  private refill(b: Bucket, r: Rate, now: number): void {
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(r.burst, b.tokens + (elapsed * r.average) / r.period);
    b.at = now;
  }

  // Addresses whose buckets have all refilled are indistinguishable from new ones.
  private sweep(now: number): void {
    for (const [key, buckets] of this.byKey) {
      buckets.forEach((b, i) => this.refill(b, this.rates[i], now));
      if (buckets.every((b, i) => b.tokens >= this.rates[i].burst)) this.byKey.delete(key);
    }
  }
}
