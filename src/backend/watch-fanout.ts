/**
 * In-process fan-out of committed writes to watchers, shared by the memory and SQLite backends.
 * A backend calls `emit` after each committed write; each watcher buffers its events until the
 * consumer reads them, and is dropped (with `error` set) when the consumer falls too far behind.
 */
import { ConnectionProblemError, LimitExceededError } from '../api/errors.js';
import type { BackendEvent, Watcher, WatchOptions } from './backend.js';

/** How many unread events a watcher may hold before it is dropped with a LimitExceededError. */
export const WATCH_BUFFER_LIMIT = 10_000;

/** One watcher's queue; iterate it once. Ends when closed, by the consumer, the signal or the fan-out. */
class QueuedWatcher implements Watcher {
  private buf: BackendEvent[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private closed = false;
  private failure: Error | undefined;
  private readonly onAbort = (): void => this.close();

  constructor(
    private readonly prefixes: readonly string[],
    private readonly limit: number,
    private readonly detach: (w: QueuedWatcher) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get error(): Error | undefined {
    return this.failure;
  }

  /** True when an event for `key` belongs to this watcher. */
  matches(key: string): boolean {
    return this.prefixes.length === 0 || this.prefixes.some((p) => key.startsWith(p));
  }

  /** Queues an event; drops the watcher when the consumer is more than `limit` events behind. */
  push(event: BackendEvent): void {
    if (this.closed) return;
    if (this.buf.length - this.head >= this.limit) {
      this.fail(new LimitExceededError(`watcher fell more than ${this.limit} events behind and was closed; re-initialize`));
      return;
    }
    this.buf.push(event);
    this.notify();
  }

  /** Closes the watcher with `error` set; buffered events are discarded. */
  fail(err: Error): void {
    if (this.closed) return;
    this.failure = err;
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buf = [];
    this.head = 0;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.detach(this);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private take(): BackendEvent | undefined {
    if (this.head >= this.buf.length) return undefined;
    const ev = this.buf[this.head++];
    // Compact now and then so a long-lived watcher does not hold every event it ever saw.
    if (this.head > 1024 && this.head * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
    return ev;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BackendEvent> {
    try {
      for (;;) {
        const ev = this.take();
        if (ev !== undefined) {
          yield ev;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      // Leaving the loop early (break, throw) must not leave the watcher registered.
      this.close();
    }
  }
}

/** Options for a fan-out; `bufferLimit` defaults to WATCH_BUFFER_LIMIT. */
export interface WatchFanoutOptions {
  bufferLimit?: number;
}

/** Registry of live watchers. Not thread-safe by design: call `emit` in commit order. */
export class WatchFanout {
  private readonly watchers = new Set<QueuedWatcher>();
  private readonly limit: number;

  constructor(opts: WatchFanoutOptions = {}) {
    this.limit = opts.bufferLimit ?? WATCH_BUFFER_LIMIT;
  }

  /** Number of registered watchers (for tests and metrics). */
  get size(): number {
    return this.watchers.size;
  }

  /** Registers a watcher and queues its `init` event. An already-aborted signal yields a closed watcher. */
  watch(options: WatchOptions): Watcher {
    const w = new QueuedWatcher([...(options.prefixes ?? [])], this.limit, (x) => this.watchers.delete(x), options.signal);
    if (options.signal?.aborted) {
      w.close();
      return w;
    }
    this.watchers.add(w);
    w.push({ type: 'init' });
    return w;
  }

  /** Delivers one committed change to every watcher whose prefixes match its key. */
  emit(event: Exclude<BackendEvent, { type: 'init' }>): void {
    const k = event.type === 'put' ? event.item.key : event.key;
    for (const w of [...this.watchers]) {
      if (w.matches(k)) w.push(event.type === 'put' ? { type: 'put', item: { ...event.item } } : event);
    }
  }

  /** Closes every watcher with a ConnectionProblemError: the backend is going away. */
  closeAll(): void {
    for (const w of [...this.watchers]) w.fail(new ConnectionProblemError('backend closed; watcher ended'));
  }
}
