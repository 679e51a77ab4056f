/**
 * Injected time. Every TTL, expiry and lockout reads time through a Clock so tests can move a
 * FakeClock instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  private t: number;
  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.t = typeof start === 'number' ? start : start.getTime();
  }
  now(): number {
    return this.t;
  }
  /** Move forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.t += ms;
  }
  /** Jump to an absolute time. */
  set(t: number | Date): void {
    this.t = typeof t === 'number' ? t : t.getTime();
  }
}
