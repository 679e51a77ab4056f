/**
 * A small least-recently-used map for values that are costly to compute from their key and never
 * change for it (a certificate's parsed identity, a parsed CA certificate, an imported CA key).
 */

/** Keeps at most `capacity` entries, dropping the least recently used one first. */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  /** The value for `key`, computed with `make` (and kept) when absent; a throw from `make` is not kept. */
  get(key: string, make: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      // Map keeps insertion order: moving the key to the end marks it most recently used.
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const value = make();
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
    return value;
  }

  /** Drops `key` if it still maps to `value`. */
  drop(key: string, value: V): void {
    if (this.map.get(key) === value) this.map.delete(key);
  }

  /** How many entries are kept. */
  get size(): number {
    return this.map.size;
  }
}

/** `cache.get` for promises: a promise that rejects is dropped, so the next caller tries again. */
export function cachedPromise<T>(cache: BoundedCache<Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  const p = cache.get(key, make);
  p.catch(() => cache.drop(key, p));
  return p;
}
