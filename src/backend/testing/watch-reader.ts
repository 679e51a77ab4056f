/**
 * Test helper: reads a watcher one event at a time with a real-time deadline, so a missing event
 * fails the test instead of hanging it.
 */
import type { BackendEvent, Watcher } from '../backend.js';

/** Pulls events from a watcher; `next()` rejects after `timeoutMs` real ms without one. */
export class WatchReader {
  private readonly it: AsyncIterator<BackendEvent>;
  /** A read that timed out is kept and reused, so no event is lost to it. */
  private pending: Promise<IteratorResult<BackendEvent>> | undefined;
  constructor(readonly watcher: Watcher) {
    this.it = watcher[Symbol.asyncIterator]();
  }

  /** The next event, or `undefined` when the feed ended. */
  async next(timeoutMs = 3000): Promise<BackendEvent | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no watch event within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      this.pending ??= this.it.next();
      const r = await Promise.race([this.pending, deadline]);
      this.pending = undefined;
      return r.done ? undefined : r.value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves `true` when no event arrives within `ms` real ms (no event is consumed by waiting). */
  async quiet(ms: number): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }
}
