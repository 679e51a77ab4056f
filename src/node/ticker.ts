/**
 * One real-time interval that drives every clock-based check of the node (heartbeat, command
 * labels, idle and expiry monitors). Each check reads the injected clock, so a test moves a
 * FakeClock and the next tick acts on it. The timer is unref'd: it never keeps a process alive.
 */

/** Default real interval between ticks. */
export const DEFAULT_TICK_MS = 1000;

/** A shared interval; `close()` stops it and is safe to call twice. */
export class Ticker {
  private readonly checks = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Run `check` on every tick until the returned function is called. Throwing is reported, not fatal. */
  add(check: () => void): () => void {
    this.checks.add(check);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.checks.delete(check);
    };
  }

  /** Run every check now (also what each tick does). */
  tick(): void {
    for (const check of [...this.checks]) {
      try {
        check();
      } catch (err) {
        this.onError(err);
      }
    }
  }

  close(): void {
    this.checks.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
