/**
 * A watch-fed cache of cluster resources for processes without auth in them (proxies, agents):
 * opens the auth API's watch, reads the full state once the server's watcher is registered
 * (`init`), applies events as they arrive and serves reads from memory. When the watch breaks
 * (auth restarts, fails over, the watcher fell behind) it keeps the last state, reconnects after a
 * capped, jittered exponential backoff (so a restarted auth server is not hit by every cache at
 * once) and replaces the state with a fresh read.
 */
import { ConnectionProblemError } from '../api/errors.js';
import { watchKey, type WatchEvent, type WatchedResource } from '../api/watch-wire.js';
import type { Logger } from '../log/index.js';
import { Backoff, realTimers, type BackoffOptions, type Timers } from '../reversetunnel/index.js';

/** First reconnect within 0.5–1 s of a break, doubling to a ceiling of 15–30 s. */
export const CACHE_BACKOFF: BackoffOptions = { baseMs: 1_000, capMs: 30_000 };

/** Options of a ResourceCache. */
export interface ResourceCacheOptions {
  kinds: readonly string[];
  /** Opens a watch of `kinds` (AuthClient.watchEvents). */
  watch(kinds: readonly string[], opts: { signal: AbortSignal }): AsyncIterable<WatchEvent>;
  /** Every current resource of `kind` (read after `init`, so no change falls between read and watch). */
  load(kind: string): Promise<WatchedResource[]>;
  /** Schedules reconnects (tests inject manual timers); default real, unref'd timers. */
  timers?: Timers;
  /** Reconnect delays; `random` spreads them. Default CACHE_BACKOFF. */
  backoff?: BackoffOptions;
  logger: Logger;
  /** Called when a watch that had synced ends or breaks (not on close): auth restarted or is unreachable. */
  onBroken?: () => void;
}

/** The cache. `start()` begins watching; reads return undefined until the first sync. */
export class ResourceCache {
  private state?: Map<string, Map<string, WatchedResource>>;
  private rev = 0;
  private syncCount = 0;
  private watching = false;
  private closed = false;
  private started = false;
  private current?: AbortController;
  private wake?: () => void;
  private cancelSleep?: () => void;
  private readonly backoff: Backoff;
  private readonly timers: Timers;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly opts: ResourceCacheOptions) {
    this.backoff = new Backoff(opts.backoff ?? CACHE_BACKOFF);
    this.timers = opts.timers ?? realTimers(undefined, { unref: true });
  }

  /** Starts the watch loop in the background (once). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.run();
  }

  /** True once a full state has been read (it stays served through later breaks). */
  get synced(): boolean {
    return this.state !== undefined;
  }

  /**
   * True while a watch is delivering events after a full read: the state is current (up to the
   * events in flight). False before the first sync and while reconnecting after a break.
   */
  get live(): boolean {
    return this.watching && !this.closed;
  }

  /** Bumps on every change of the cached state: derived values may be memoized per version. */
  get version(): number {
    return this.rev;
  }

  /** How many times the full state was read (1 after the first sync, +1 per re-sync). */
  get syncs(): number {
    return this.syncCount;
  }

  /** Resolves after the next full read of the state (or at once when closed). */
  nextSync(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The cached resources of `kind`, or undefined before the first sync. */
  list(kind: string): WatchedResource[] | undefined {
    const m = this.state?.get(kind);
    return m ? [...m.values()] : this.state && [];
  }

  /** One cached resource, or undefined (also before the first sync). */
  get(kind: string, name: string, subKind?: string): WatchedResource | undefined {
    return this.state?.get(kind)?.get(watchKey({ kind, ...(subKind !== undefined && { sub_kind: subKind }), metadata: { name } }));
  }

  /** Stops watching; the last state stays readable. Safe twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.current?.abort();
    this.cancelSleep?.();
    this.wake?.();
    for (const w of this.waiters.splice(0)) w();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const syncedBefore = this.syncCount;
      const ac = new AbortController();
      this.current = ac;
      try {
        await this.session(ac.signal);
      } catch (err) {
        if (this.closed) break;
        this.opts.logger.warn({ err: (err as Error).message, synced: this.synced }, 'watch broke; serving the last state and reconnecting');
      } finally {
        ac.abort();
      }
      if (this.closed) break;
      if (this.syncCount > syncedBefore) this.opts.onBroken?.();
      const delay = this.backoff.next();
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.cancelSleep = this.timers.after(delay, resolve);
      });
    }
  }

  /** One watch: init, full read, then events until the stream ends or throws. */
  private async session(signal: AbortSignal): Promise<void> {
    const it = this.opts.watch(this.opts.kinds, { signal })[Symbol.asyncIterator]();
    try {
      const first = await it.next();
      if (this.closed) return;
      if (first.done || first.value.type !== 'init') throw new ConnectionProblemError('the watch did not begin with init');
      const fresh = new Map<string, Map<string, WatchedResource>>();
      for (const kind of this.opts.kinds) {
        const m = new Map<string, WatchedResource>();
        for (const r of await this.opts.load(kind)) m.set(watchKey(r), r);
        fresh.set(kind, m);
      }
      if (this.closed) return;
      this.state = fresh;
      this.rev++;
      this.syncCount++;
      this.backoff.reset();
      for (const w of this.waiters.splice(0)) w();
      this.watching = true;
      for (;;) {
        const r = await it.next();
        if (r.done || this.closed) return;
        this.apply(r.value);
      }
    } finally {
      this.watching = false;
      void it.return?.(undefined)?.catch(() => undefined);
    }
  }

  private apply(ev: WatchEvent): void {
    if (ev.type === 'init') return;
    const m = this.state?.get(ev.resource.kind);
    if (!m) return;
    if (ev.type === 'put') m.set(watchKey(ev.resource), ev.resource);
    else m.delete(watchKey(ev.resource));
    this.rev++;
  }
}
