/**
 * Which registered host holds which name, kept current from the backend's watch feed, so that a
 * join checks its names in a map instead of reading every node of the cluster (at 10,000 nodes that
 * read was most of a join's cost, and it grew with every node). Before the first sync, and after
 * the feed drops, the check reads the lists as before (host-names.ts).
 */
import { AccessDeniedError } from '../api/errors.js';
import { rangeEnd, type BackendEvent, type Item, type Watcher } from '../backend/index.js';
import type { Logger } from '../log/index.js';
import type { Services } from '../services/index.js';
import { SHARED_NAMES, checkNamesNotHeld } from './host-names.js';

const PREFIXES = { node: '/nodes/default/', proxy: '/proxies/' } as const;

/** A registered host, as far as its names go. */
interface Holder {
  kind: string;
  name: string;
  hostname?: string;
  /** ms since the epoch; absent: never. */
  expires?: number;
}

/** Options: the stores to watch; how long to wait before watching again after the feed drops. */
export interface HostNameIndexOptions {
  services: Services;
  clusterName: string;
  logger: Logger;
  retryMs?: number;
}

/** The index. `check` starts it; `close()` stops it (safe twice). */
export class HostNameIndex {
  /** Lowercased name -> backend key -> holder. */
  private readonly byName = new Map<string, Map<string, Holder>>();
  private readonly byKey = new Map<string, string[]>();
  private synced = false;
  private running = false;
  private closed = false;
  private readonly stop = new AbortController();

  constructor(private readonly opts: HostNameIndexOptions) {}

  /**
   * Throws AccessDeniedError when a name of `names` belongs to a registered node or proxy other
   * than `hostId` (compared without case, as DNS does).
   */
  async checkNamesNotHeld(hostId: string, names: string[]): Promise<void> {
    this.start();
    if (!this.synced) return checkNamesNotHeld(this.opts.services, this.opts.clusterName, hostId, names);
    const now = this.opts.services.clock.now();
    for (const wanted of names) {
      const lower = wanted.toLowerCase();
      if (SHARED_NAMES.has(lower)) continue;
      for (const h of this.byName.get(lower)?.values() ?? []) {
        if (h.name === hostId || (h.expires !== undefined && h.expires <= now)) continue;
        throw new AccessDeniedError(
          `host "${hostId}" may not have "${wanted}" in its certificate: it names the registered ${h.kind} ${h.name}${h.hostname ? ` (${h.hostname})` : ''}; give this host a nodename of its own`,
        );
      }
    }
  }

  /** How many nodes and proxies are registered (expired ones until the sweeper deletes them); undefined before the first sync. */
  get hostCount(): number | undefined {
    this.start();
    return this.synced ? this.byKey.size : undefined;
  }

  close(): void {
    this.closed = true;
    this.stop.abort();
  }

  private start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    void this.follow().finally(() => {
      this.running = false;
      this.synced = false;
      if (this.closed) return;
      setTimeout(() => this.start(), this.opts.retryMs ?? 1000).unref();
    });
  }

  private async follow(): Promise<void> {
    const { services, logger } = this.opts;
    let watcher: Watcher | undefined;
    try {
      watcher = services.backend.watch({ prefixes: Object.values(PREFIXES), signal: this.stop.signal });
      for await (const ev of watcher) {
        if (ev.type === 'init') {
          this.byName.clear();
          this.byKey.clear();
          for (const [kind, prefix] of Object.entries(PREFIXES)) {
            const items = await services.backend.getRange(prefix, rangeEnd(prefix));
            for (const item of items) this.put(kind, item);
          }
          this.synced = true;
          continue;
        }
        this.apply(ev);
      }
      if (watcher.error) logger.warn({ component: 'auth', err: watcher.error.message }, 'host name index: watch dropped; reading lists until it is back');
    } catch (err) {
      logger.warn({ component: 'auth', err: (err as Error).message }, 'host name index failed; reading lists until it is back');
    } finally {
      watcher?.close();
    }
  }

  private apply(ev: Exclude<BackendEvent, { type: 'init' }>): void {
    const key = ev.type === 'put' ? ev.item.key : ev.key;
    const kind = key.startsWith(PREFIXES.node) ? 'node' : key.startsWith(PREFIXES.proxy) ? 'proxy' : undefined;
    if (!kind) return;
    this.remove(key);
    if (ev.type === 'put') this.put(kind, ev.item);
  }

  private put(kind: string, item: Item): void {
    let r: { metadata?: { name?: unknown }; spec?: { hostname?: unknown } };
    try {
      r = JSON.parse(item.value) as typeof r;
    } catch {
      return;
    }
    const name = typeof r.metadata?.name === 'string' ? r.metadata.name : undefined;
    if (!name) return;
    const hostname = typeof r.spec?.hostname === 'string' && r.spec.hostname ? r.spec.hostname : undefined;
    const holder: Holder = { kind, name, ...(hostname && { hostname }), ...(item.expires !== undefined && { expires: item.expires }) };
    const { clusterName } = this.opts;
    const names = [name, `${name}.${clusterName}`, ...(hostname ? [hostname, `${hostname}.${clusterName}`] : [])].map((n) => n.toLowerCase());
    this.remove(item.key);
    this.byKey.set(item.key, names);
    for (const n of names) {
      let holders = this.byName.get(n);
      if (!holders) this.byName.set(n, (holders = new Map()));
      holders.set(item.key, holder);
    }
  }

  private remove(key: string): void {
    for (const n of this.byKey.get(key) ?? []) {
      const holders = this.byName.get(n);
      holders?.delete(key);
      if (holders?.size === 0) this.byName.delete(n);
    }
    this.byKey.delete(key);
  }
}
