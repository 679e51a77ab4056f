/**
 * The storage seam for cluster state: an ordered key-value store with revisions, expiring items,
 * compare-and-swap, range reads, leases and a watch feed. Every implementation (memory, sqlite, and
 * later postgres/etcd/dynamodb) passes the one conformance suite in `testing/suite.ts`.
 */
import type { Clock } from '../api/clock.js';

/** What a caller writes. `expires` is ms since the epoch; absent means the item never expires. */
export interface ItemInput {
  key: string;
  value: string;
  expires?: number;
}

/** What a read returns: the stored item with its current revision. */
export interface Item extends ItemInput {
  /** Opaque; changes on every write of the key. Compare for equality only. */
  revision: string;
}

/** Returned by writes: enough to extend the item's life with `keepAlive` or update it conditionally. */
export interface Lease {
  key: string;
  revision: string;
}

/** One change seen by a watcher. `init` comes first, once the watcher is registered. */
export type BackendEvent =
  | { type: 'init' }
  | { type: 'put'; item: Item }
  | { type: 'delete'; key: string };

/** A live feed of changes under some prefixes. Iterate it; `close()` ends the iteration. */
export interface Watcher extends AsyncIterable<BackendEvent> {
  /** Stops the feed; the iterator then finishes. Safe to call twice. */
  close(): void;
  /**
   * Set when the backend dropped this watcher: LimitExceededError when the consumer fell too far
   * behind (buffered events are discarded; re-read state and watch again), ConnectionProblemError
   * when the backend closed. Unset after a plain `close()` or abort.
   */
  readonly error?: Error;
}

/** Options for `watch`. An empty `prefixes` list watches every key; aborting `signal` closes the watcher. */
export interface WatchOptions {
  prefixes: string[];
  signal?: AbortSignal;
}

/**
 * The backend interface. Reads never return expired items (expiry is checked against `clock`
 * on every read, and a sweeper deletes them and emits `delete` events).
 * Keys are non-empty, well-formed Unicode strings ordered by their UTF-8 bytes (code point order).
 * Errors: NotFoundError, AlreadyExistsError, CompareFailedError, BadParameterError (malformed input),
 * ConnectionProblemError (after `close()`, or the store is unreachable), from ../api/errors.
 */
export interface Backend {
  readonly clock: Clock;
  /** Throws NotFoundError when absent or expired. */
  get(key: string): Promise<Item>;
  /** Writes only when the key is absent (or expired); throws AlreadyExistsError otherwise. */
  create(item: ItemInput): Promise<Lease>;
  /** Writes unconditionally. */
  put(item: ItemInput): Promise<Lease>;
  /** Writes only when the key exists; throws NotFoundError otherwise. */
  update(item: ItemInput): Promise<Lease>;
  /**
   * Writes `replaceWith` only when the key holds exactly `expected.value`; else CompareFailedError
   * (NotFoundError when absent). Both items must name the same key (else BadParameterError).
   */
  compareAndSwap(expected: ItemInput, replaceWith: ItemInput): Promise<Lease>;
  /** Writes only when the key's current revision is `revision`; else CompareFailedError (NotFoundError when absent). */
  conditionalUpdate(item: ItemInput, revision: string): Promise<Lease>;
  /** Throws NotFoundError when absent. */
  delete(key: string): Promise<void>;
  /** Deletes when the key's current revision is `revision`; else CompareFailedError (NotFoundError when absent). */
  conditionalDelete(key: string, revision: string): Promise<void>;
  /** Deletes every key in [startKey, endKey). */
  deleteRange(startKey: string, endKey: string): Promise<void>;
  /** Items in [startKey, endKey) in ascending key order, at most `limit` (absent or 0: all). */
  getRange(startKey: string, endKey: string, limit?: number): Promise<Item[]>;
  /**
   * Moves the leased item's expiry to `expires`, keeping its revision (so the lease stays valid);
   * watchers see a `put` with the new expiry. NotFoundError when it is gone, expired or was rewritten.
   */
  keepAlive(lease: Lease, expires: number): Promise<void>;
  /** Opens a watch feed; the first event is `init`, then changes committed after it, in commit order. */
  watch(options: WatchOptions): Watcher;
  /** Releases resources; safe to call twice. */
  close(): Promise<void>;
}

/** Join key parts into a backend key: `key('roles', 'dev', 'params')` = `/roles/dev/params`. */
export function key(...parts: string[]): string {
  return '/' + parts.join('/');
}

/**
 * The exclusive end of the range of keys that start with `prefix`. Note `rangeEnd('')` is U+FFFF, so
 * the "whole keyspace" range misses keys that begin with a code point above U+FFFF (ours begin with `/`).
 */
export function rangeEnd(prefix: string): string {
  if (prefix === '') return '\uffff';
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
