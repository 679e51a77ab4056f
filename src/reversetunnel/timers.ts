/**
 * Injected time with timers: tunnel heartbeats, dead-peer checks and reconnect backoff schedule
 * through a Timers so tests can move time by hand (testing/manual-timers.ts) instead of sleeping.
 */
import { systemClock, type Clock } from '../api/clock.js';

/** A clock that can also run a callback later. */
export interface Timers extends Clock {
  /** Runs `cb` once after `ms`; the returned function cancels it (safe to call twice). */
  after(ms: number, cb: () => void): () => void;
}

/** Real timers, reading the time from `clock`. `unref` timers never keep the process alive. */
export function realTimers(clock: Clock = systemClock, opts: { unref?: boolean } = {}): Timers {
  return {
    now: () => clock.now(),
    after(ms, cb) {
      const t = setTimeout(cb, Math.max(0, ms));
      if (opts.unref) t.unref();
      return () => clearTimeout(t);
    },
  };
}

/** Runs `cb` every `ms` on `timers` until the returned function is called. */
export function every(timers: Timers, ms: number, cb: () => void): () => void {
  let cancel: (() => void) | undefined;
  let stopped = false;
  const arm = () => {
    cancel = timers.after(ms, () => {
      if (stopped) return;
      arm();
      cb();
    });
  };
  arm();
  return () => {
    stopped = true;
    cancel?.();
  };
}
