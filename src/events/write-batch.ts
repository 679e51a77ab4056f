/**
 * Batches a sink's writes: events written within WRITE_BATCH_MS of the first of a batch (or
 * WRITE_BATCH_MAX of them) go to the sink's `flush` together, in one transaction or one write
 * call. Every write's promise settles with its batch. A store flushes before it answers a search,
 * so an emitted event is searchable at once, as when each write was its own; a crash loses at most
 * the events of that window (Teleport's asynchronous emitter buffers the same way).
 */
export const WRITE_BATCH_MS = 20;
export const WRITE_BATCH_MAX = 1000;

export class WriteBatch<T> {
  private pending: T[] = [];
  private settle?: { resolve: () => void; reject: (err: unknown) => void; promise: Promise<void> };
  private timer?: NodeJS.Timeout;

  /** `flush` writes a batch synchronously and throws when it could not. */
  constructor(private readonly flush: (items: T[]) => void) {}

  /** Queues `item`; resolves once its batch is written, rejects with the batch's error. */
  add(item: T): Promise<void> {
    this.pending.push(item);
    if (!this.settle) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      // The emitter catches it; nobody else has to.
      promise.catch(() => {});
      this.settle = { resolve, reject, promise };
      this.timer = setTimeout(() => this.flushNow(), WRITE_BATCH_MS);
      // A pending batch does not keep a process alive: close() flushes it.
      this.timer.unref();
    }
    const settled = this.settle.promise;
    if (this.pending.length >= WRITE_BATCH_MAX) this.flushNow();
    return settled;
  }

  /** Writes what is queued now (before a search, and on close). */
  flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.pending;
    const settle = this.settle;
    this.pending = [];
    this.settle = undefined;
    if (!settle) return;
    try {
      this.flush(items);
      settle.resolve();
    } catch (err) {
      settle.reject(err);
    }
  }
}
