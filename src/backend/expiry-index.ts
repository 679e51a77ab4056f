/**
 * The keys with an expiry that a backend's sweeper must delete once the clock passes it, kept in
 * process from the change feed (and a scan at start), for stores that cannot query by expiry
 * cheaply (etcd, DynamoDB). Each entry carries a token (the store's version of the item) so the
 * sweeper deletes only the version it saw expire.
 */

/** One key due for deletion. */
export interface DueItem<T> {
  key: string;
  expires: number;
  token: T;
}

/** Keys with expiries; a plain map scanned on each sweep (cheap next to a network round trip). */
export class ExpiryIndex<T> {
  private readonly items = new Map<string, { expires: number; token: T }>();

  /** Records the current version of `key`; an absent `expires` removes it (the item never expires). */
  set(key: string, expires: number | undefined, token: T): void {
    if (expires === undefined) this.items.delete(key);
    else this.items.set(key, { expires, token });
  }

  /** Forgets `key` (it was deleted). */
  delete(key: string): void {
    this.items.delete(key);
  }

  /** Forgets `key` if it is still at version `token` (a sweep lost to a newer write; the feed brings that one). */
  forget(key: string, token: T): void {
    if (this.items.get(key)?.token === token) this.items.delete(key);
  }

  /** Keys whose expiry is at or before `now`, in no particular order. */
  due(now: number): DueItem<T>[] {
    const out: DueItem<T>[] = [];
    for (const [key, e] of this.items) if (e.expires <= now) out.push({ key, expires: e.expires, token: e.token });
    return out;
  }

  /** Number of tracked keys. */
  get size(): number {
    return this.items.size;
  }

  /** Forgets everything (before a rescan). */
  clear(): void {
    this.items.clear();
  }
}
