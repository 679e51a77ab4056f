/**
 * Capped exponential backoff with jitter for reconnecting agents: the n-th consecutive retry waits
 * a random time in [d/2, d] with d = min(cap, base * 2^n). The random half spreads agents that all
 * lost their proxy at once (a restart) over time instead of sending them back together.
 */

/** Options of Backoff; `random` returns [0, 1) (injected by tests). */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random?: () => number;
}

/** Default first retry window (0.5–1 s) and ceiling (30–60 s). */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, capMs: 60_000 };

/** Retry delays; `next()` counts an attempt, `reset()` after a success. */
export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly opts: BackoffOptions = DEFAULT_BACKOFF) {
    if (!(opts.baseMs > 0) || !(opts.capMs >= opts.baseMs)) throw new RangeError('backoff needs 0 < baseMs <= capMs');
    this.random = opts.random ?? Math.random;
  }

  /** Consecutive attempts counted since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next retry; counts it. */
  next(): number {
    const d = backoffCeiling(this.opts, this.attempt);
    this.attempt++;
    return Math.floor(d / 2 + this.random() * (d / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** The upper bound of the n-th retry's delay (n from 0). */
export function backoffCeiling(opts: BackoffOptions, n: number): number {
  // 2^n overflows nothing before the cap: n is clamped so the product stays finite.
  return Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(n, 40));
}
