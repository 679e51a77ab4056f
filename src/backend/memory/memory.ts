/**
 * The in-memory backend: a sorted array of items searched by binary search. For tests and single
 * process demos; nothing survives `close()`.
 */
import { systemClock } from '../../api/clock.js';
import type { Clock } from '../../api/clock.js';
import { ConnectionProblemError } from '../../api/errors.js';
import type { Backend, Item, ItemInput, Lease, Watcher, WatchOptions } from '../backend.js';
import { ConditionalWrites } from '../conditional-writes.js';
import { checkItem, checkKey, checkRange, compareKeys, isExpired } from '../key-order.js';
import { enforce, notFound, preconditions } from '../preconditions.js';
import type { Precondition } from '../preconditions.js';
import { DEFAULT_SWEEP_INTERVAL_MS, startSweeper } from '../sweeper.js';
import type { Sweeper } from '../sweeper.js';
import { WatchFanout } from '../watch-fanout.js';

/** Options for MemoryBackend: the clock expiry is checked against, the real sweep interval, the watch buffer. */
export interface MemoryBackendOptions {
  clock?: Clock;
  sweepIntervalMs?: number;
  watchBufferLimit?: number;
}

interface Entry {
  key: string;
  value: string;
  expires?: number;
  revision: string;
}

function toItem(e: Entry): Item {
  const item: Item = { key: e.key, value: e.value, revision: e.revision };
  if (e.expires !== undefined) item.expires = e.expires;
  return item;
}

/** A Backend held in process memory. Every operation runs synchronously inside its promise, so each is atomic. */
export class MemoryBackend extends ConditionalWrites implements Backend {
  readonly clock: Clock;
  private readonly entries: Entry[] = [];
  private readonly fanout: WatchFanout;
  private readonly sweeper: Sweeper;
  private revision = 0;
  private closed = false;

  constructor(opts: MemoryBackendOptions = {}) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.fanout = new WatchFanout({ bufferLimit: opts.watchBufferLimit });
    this.sweeper = startSweeper(opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS, () => this.sweep());
  }

  /** Index of `k` if present, else the bitwise complement of its insertion point. */
  private search(k: string): number {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(this.entries[mid].key, k);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return ~lo;
  }

  private lowerBound(k: string): number {
    const i = this.search(k);
    return i >= 0 ? i : ~i;
  }

  /** The live (present and unexpired) entry for `k`. */
  private live(k: string): Entry | undefined {
    this.ensureOpen();
    const i = this.search(k);
    if (i < 0) return undefined;
    const e = this.entries[i];
    return isExpired(e.expires, this.clock.now()) ? undefined : e;
  }

  private ensureOpen(): void {
    if (this.closed) throw new ConnectionProblemError('memory backend is closed');
  }

  private write(input: ItemInput): Lease {
    const e: Entry = { key: input.key, value: input.value, revision: String(++this.revision) };
    if (input.expires !== undefined) e.expires = input.expires;
    const i = this.search(e.key);
    if (i >= 0) this.entries[i] = e;
    else this.entries.splice(~i, 0, e);
    this.fanout.emit({ type: 'put', item: toItem(e) });
    return { key: e.key, revision: e.revision };
  }

  private remove(k: string): void {
    const i = this.search(k);
    if (i < 0) return;
    this.entries.splice(i, 1);
    this.fanout.emit({ type: 'delete', key: k });
  }

  // Both run synchronously inside their promise, so the check and the write are one step.
  protected async writeIf(_what: string, item: ItemInput, pre: Precondition): Promise<Lease> {
    enforce(pre, this.live(pre.key));
    return this.write(item);
  }

  protected async removeIf(_what: string, pre: Precondition): Promise<void> {
    enforce(pre, this.live(pre.key));
    this.remove(pre.key);
  }

  async get(key: string): Promise<Item> {
    checkKey(key);
    const e = this.live(key);
    if (!e) throw notFound(key);
    return toItem(e);
  }

  async put(item: ItemInput): Promise<Lease> {
    checkItem(item);
    this.ensureOpen();
    return this.write(item);
  }

  async deleteRange(startKey: string, endKey: string): Promise<void> {
    checkRange(startKey, endKey);
    this.ensureOpen();
    const from = this.lowerBound(startKey);
    const to = Math.max(from, this.lowerBound(endKey));
    const gone = this.entries.splice(from, to - from);
    for (const e of gone) this.fanout.emit({ type: 'delete', key: e.key });
  }

  async getRange(startKey: string, endKey: string, limit?: number): Promise<Item[]> {
    checkRange(startKey, endKey, limit);
    this.ensureOpen();
    const now = this.clock.now();
    const max = limit ? limit : Infinity;
    const out: Item[] = [];
    for (let i = this.lowerBound(startKey); i < this.entries.length && out.length < max; i++) {
      const e = this.entries[i];
      if (compareKeys(e.key, endKey) >= 0) break;
      if (!isExpired(e.expires, now)) out.push(toItem(e));
    }
    return out;
  }

  async keepAlive(lease: Lease, expires: number): Promise<void> {
    const pre = preconditions.keepAlive(lease, expires);
    const e = this.live(lease.key);
    enforce(pre, e);
    e!.expires = expires;
    this.fanout.emit({ type: 'put', item: toItem(e!) });
  }

  watch(options: WatchOptions): Watcher {
    this.ensureOpen();
    return this.fanout.watch(options);
  }

  /** Deletes expired items and tells watchers. Called by the sweeper; safe to call directly. */
  sweep(): void {
    if (this.closed) return;
    const now = this.clock.now();
    const expired = this.entries.filter((e) => isExpired(e.expires, now)).map((e) => e.key);
    for (const k of expired) this.remove(k);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sweeper.stop();
    this.fanout.closeAll();
    this.entries.length = 0;
  }
}
