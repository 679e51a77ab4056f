/**
 * A push-to-pull queue: events pushed by a callback API, consumed with `for await`. Ending the
 * queue finishes every pending and future iteration.
 */

/** An AsyncIterable fed by `push` and finished by `end`; single consumer. */
export class RequestQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | undefined;
  private ended = false;

  /** Queue one item (dropped after `end`). */
  push(item: T): void {
    if (this.ended) return;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  /** Finish iteration once queued items are consumed. Safe to call twice. */
  end(): void {
    this.ended = true;
    const w = this.waiter;
    this.waiter = undefined;
    if (w && this.items.length === 0) w({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: () => {
        this.end();
        this.items.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
