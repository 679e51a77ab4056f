/** Timers that fire only when a test advances them (test-only; not exported from the folder). */
import type { Timers } from '../timers.js';

/** A fake clock with timers; `advance` fires what falls due, in time order. */
export class ManualTimers implements Timers {
  private t: number;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; cb: () => void }>();

  constructor(start = Date.now()) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  after(ms: number, cb: () => void): () => void {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + Math.max(0, ms), cb });
    return () => void this.pending.delete(id);
  }

  /** Timers armed and not yet fired, as delays from now (sorted). */
  delays(): number[] {
    return [...this.pending.values()].map((p) => p.at - this.t).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing due timers (including ones they arm that fall due too). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; cb: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= end && (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[0] < next[0]))) next = e;
      if (!next) break;
      this.pending.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].cb();
    }
    this.t = end;
  }
}
