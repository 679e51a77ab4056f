/**
 * The rate of requests a stranger may make to the endpoints that take no credentials but check a
 * secret (password login, invite and reset tokens, host registration), as Teleport's web proxy limits
 * them: 20 a minute per client IP with bursts of 40. Password guessing and audit-log filling are
 * bounded by it; answers over the rate are LimitExceededError (HTTP 429).
 */
import { systemClock, type Clock } from '../api/clock.js';
import { LimitExceededError } from '../api/errors.js';
import { RateBuckets, type Rate } from './rate.js';

/** Teleport's rate for unauthenticated endpoints. */
export const UNAUTHENTICATED_RATE: Rate = { period: 60_000, average: 20, burst: 40 };

/** Per-IP buckets for unauthenticated endpoints; one per listener. */
export class UnauthenticatedLimiter {
  private readonly buckets: RateBuckets;
  private readonly rate: Rate;

  constructor(opts: { rate?: Rate; clock?: Clock } = {}) {
    this.rate = opts.rate ?? UNAUTHENTICATED_RATE;
    this.buckets = new RateBuckets([this.rate], opts.clock ?? systemClock);
  }

  /** Take a token for `ip`; throws LimitExceededError naming the rate when there is none. */
  take(ip: string): void {
    const key = normalizeIP(ip);
    if (!this.buckets.take(key)) throw this.refusal(key);
  }

  /** Throws like take() when `ip` has no token left, without taking one (for endpoints that pay on failure). */
  check(ip: string): void {
    const key = normalizeIP(ip);
    if (!this.buckets.has(key)) throw this.refusal(key);
  }

  private refusal(key: string): LimitExceededError {
    return new LimitExceededError(`too many requests from ${key}: login, registration and invite endpoints take at most ${this.rate.average} requests per ${this.rate.period / 1000} s (bursts of ${this.rate.burst}); try again later`);
  }
}

function normalizeIP(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
