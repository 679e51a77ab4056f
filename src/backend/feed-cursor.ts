/**
 * How far a shared store's change feed has been handed to this process's watchers. The networked
 * backends (postgres, etcd, dynamodb) feed watchers from the store, not from their own writes, so
 * writers from every instance interleave in one order; a write then waits here until its own event
 * is out, which keeps "a watcher opened after a write resolved does not see that write".
 */

interface Waiter {
  target: bigint;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

/** A monotonic position in a change feed with waiters; positions are the store's sequence numbers. */
export class FeedCursor {
  private pos: bigint;
  private waiters: Waiter[] = [];

  constructor(start: bigint) {
    this.pos = start;
  }

  /** The last position delivered to watchers. */
  get position(): bigint {
    return this.pos;
  }

  /** Moves forward to `to` (never backwards) and releases the writes waiting for it. */
  advance(to: bigint): void {
    if (to <= this.pos) return;
    this.pos = to;
    const due = this.waiters.filter((w) => w.target <= to);
    if (due.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.target > to);
    for (const w of due) {
      clearTimeout(w.timer);
      w.resolve();
    }
  }

  /**
   * Resolves once the feed reached `target`, or after `timeoutMs` real ms (the feed may be down;
   * the write itself succeeded, so waiting longer only delays the caller). Never rejects.
   */
  waitFor(target: bigint, timeoutMs: number): Promise<void> {
    if (target <= this.pos) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const w: Waiter = {
        target,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve();
        }, timeoutMs),
      };
      w.timer.unref();
      this.waiters.push(w);
    });
  }

  /** Releases every waiter (the backend is closing). */
  close(): void {
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) {
      clearTimeout(w.timer);
      w.resolve();
    }
  }
}
