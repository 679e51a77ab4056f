/**
 * A node's access point whose reads (user CA keys, roles, the auth preference) come from a cache fed
 * by the auth API's watch stream (resource-cache.ts) instead of one auth request per SSH login;
 * writes (heartbeats, session trackers) go to the wrapped access point. Before the first sync a read
 * goes to the wrapped one, so a node that starts while auth is away fails as before, and one that
 * has synced keeps admitting users with the last known CAs and roles while auth is down.
 */
import type { AuthClient } from '../api/client/index.js';
import type { AuthPreference, CertAuthority, NetworkingConfig, Node, Role, SessionTracker } from '../api/types/index.js';
import { NETWORKING_CONFIG_NAME } from '../api/types/index.js';
import type { WatchedResource } from '../api/watch-wire.js';
import { caSSHPublicBlobs } from '../auth/index.js';
import type { Logger } from '../log/index.js';
import type { NodeAccessPoint } from '../node/index.js';
import type { BackoffOptions, Timers } from '../reversetunnel/index.js';
import { ResourceCache } from './resource-cache.js';

/** What a node caches: what it reads on every login. */
const NODE_KINDS = ['cert_authority', 'role', 'cluster_auth_preference', 'cluster_networking_config'] as const;

/** Options: the access point to wrap, the client to watch through; `timers`/`backoff` for tests. */
export interface CachedAccessPointOptions {
  direct: NodeAccessPoint;
  client: Pick<AuthClient, 'watchEvents' | 'listResources'>;
  logger: Logger;
  timers?: Timers;
  backoff?: BackoffOptions;
}

/**
 * The cached access point. Starts watching at the first read, so a node nobody logs in to holds no
 * watch stream; `close()` stops (safe twice).
 */
export class CachedAccessPoint implements NodeAccessPoint {
  readonly clusterName: string;
  private readonly cache: ResourceCache;
  private readonly direct: NodeAccessPoint;
  private caKeys?: { version: number; keys: Buffer[] };
  private readonly lostListeners: (() => void)[] = [];

  constructor(opts: CachedAccessPointOptions) {
    this.direct = opts.direct;
    this.acquireSemaphore = opts.direct.acquireSemaphore?.bind(opts.direct);
    this.renewSemaphore = opts.direct.renewSemaphore?.bind(opts.direct);
    this.cancelSemaphore = opts.direct.cancelSemaphore?.bind(opts.direct);
    this.clusterName = opts.direct.clusterName;
    const { client } = opts;
    this.cache = new ResourceCache({
      kinds: NODE_KINDS,
      watch: (kinds, o) => client.watchEvents(kinds, o),
      load: (kind) => client.listResources<WatchedResource>(kind),
      ...(opts.timers && { timers: opts.timers }),
      ...(opts.backoff && { backoff: opts.backoff }),
      logger: opts.logger,
      onBroken: () => {
        for (const l of this.lostListeners) l();
      },
    });
  }

  /** True once the cache holds a full state (for tests and diagnostics). */
  get synced(): boolean {
    return this.cache.synced;
  }

  async userCAKeys(): Promise<Buffer[]> {
    this.cache.start();
    if (!this.cache.synced) return this.direct.userCAKeys();
    const version = this.cache.version;
    if (this.caKeys?.version !== version) {
      const ca = this.cache.get('cert_authority', this.clusterName, 'user');
      this.caKeys = { version, keys: ca ? caSSHPublicBlobs(ca as unknown as CertAuthority) : [] };
    }
    return this.caKeys.keys;
  }

  async roles(names: string[]): Promise<Role[]> {
    this.cache.start();
    if (!this.cache.synced) return this.direct.roles(names);
    return names.flatMap((n) => {
      const r = this.cache.get('role', n);
      return r ? [r as unknown as Role] : [];
    });
  }

  async authPreference(): Promise<AuthPreference> {
    this.cache.start();
    const cap = this.cache.get('cluster_auth_preference', 'cluster-auth-preference');
    return cap ? (cap as unknown as AuthPreference) : this.direct.authPreference();
  }

  async networkingConfig(): Promise<NetworkingConfig | undefined> {
    this.cache.start();
    if (!this.cache.synced) return this.direct.networkingConfig();
    return this.cache.get('cluster_networking_config', NETWORKING_CONFIG_NAME) as unknown as NetworkingConfig | undefined;
  }

  // Leases are writes: straight to auth (when the wrapped access point has them).
  readonly acquireSemaphore?: NodeAccessPoint['acquireSemaphore'];
  readonly renewSemaphore?: NodeAccessPoint['renewSemaphore'];
  readonly cancelSemaphore?: NodeAccessPoint['cancelSemaphore'];

  heartbeat(node: Node, ttlMs: number): Promise<void | { reconnectWindowMs?: number }> {
    return this.direct.heartbeat(node, ttlMs);
  }

  onAuthLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  async upsertSessionTracker(tracker: SessionTracker, ttlMs: number): Promise<void> {
    await this.direct.upsertSessionTracker?.(tracker, ttlMs);
  }

  async deleteSessionTracker(sessionId: string): Promise<void> {
    await this.direct.deleteSessionTracker?.(sessionId);
  }

  close(): void {
    this.cache.close();
    this.direct.close?.();
  }
}
