/**
 * Batches a sink's writes: events written during one turn of the event loop go to the sink's
 * `flush` together, in one transaction or one write call, right after that turn (setImmediate).
 * Every write's promise settles with its batch. A store flushes before it answers a search, so an
 * emitted event is searchable at once, as when each write was its own.
 */
export class WriteBatch<T> {
  private pending: T[] = [];
  private settle?: { resolve: () => void; reject: (err: unknown) => void; promise: Promise<void> };
  private timer?: NodeJS.Immediate;

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
      this.timer = setImmediate(() => this.flushNow());
    }
    return this.settle.promise;
  }

  /** Writes what is queued now (before a search, and on close). */
  flushNow(): void {
    if (this.timer) clearImmediate(this.timer);
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
