/**
 * What a proxy's SSH and tunnel listeners read from the cluster, as one narrow interface with two
 * implementations: straight from the backend when auth runs in the same process, and a periodically
 * refreshed cache over the auth API (with the proxy's host identity and auth failover) when it does not.
 */
import type { Duplex } from 'node:stream';
import type { Clock } from '../api/clock.js';
import type { AuthClient } from '../api/client/index.js';
import { ConnectionProblemError } from '../api/errors.js';
import type { CertAuthority, Node, ProxyServer } from '../api/types/index.js';
import { caSSHPublicBlobs } from '../auth/index.js';
import type { NetAddr } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { every, realTimers } from '../reversetunnel/index.js';
import type { Services } from '../services/index.js';

/** The proxy's reads. Methods throw ConnectionProblemError only when nothing was ever read. */
export interface ProxyReads {
  /** SSH public key blobs of the cluster's user CA. */
  userCAKeys(): Promise<Buffer[]>;
  /** SSH public key blobs of the cluster's host CA. */
  hostCAKeys(): Promise<Buffer[]>;
  /** Every registered node. */
  nodes(): Promise<Node[]>;
  /** The nodes read past the cache (at most once a second), for a target that `nodes()` lacks. */
  freshNodes(): Promise<Node[]>;
  /** Host UUIDs of the proxies with a live heartbeat. */
  proxyNames(): Promise<string[]>;
  /** `host:port` of an auth server to relay `proxy:@cluster` and tunnel agents to. */
  authAddr(): string;
  /** A TCP stream to an auth server (the next one when the current one refuses). */
  dialAuth(): Promise<Duplex>;
  /** Stops any refreshing. Safe twice. */
  close(): void;
}

/** Reads from the backend of the auth server in this process. */
export function localProxyReads(o: { services: Services; clusterName: string; authAddr: () => NetAddr; dial: (a: NetAddr) => Promise<Duplex> }): ProxyReads {
  const { services, clusterName } = o;
  return {
    userCAKeys: async () => caSSHPublicBlobs(await services.authorities('user').get(clusterName)),
    hostCAKeys: async () => caSSHPublicBlobs(await services.authorities('host').get(clusterName)),
    nodes: () => services.nodes.list(),
    freshNodes: () => services.nodes.list(),
    proxyNames: async () => (await services.proxies.list()).map((p) => p.metadata.name),
    authAddr: () => `${o.authAddr().host}:${o.authAddr().port}`,
    dialAuth: () => o.dial(o.authAddr()),
    close: () => undefined,
  };
}

/** How often the remote cache refreshes; each entry jitters by up to a fifth so proxies do not poll in step. */
export const PROXY_CACHE_REFRESH_MS = 5_000;

/** One cached read: fetched on first use, then refreshed in the background; a failed refresh keeps the last value. */
class Refreshing<T> {
  private value?: T;
  private pending?: Promise<T>;
  private fetchedAt = 0;

  constructor(
    private readonly name: string,
    private readonly fetch: () => Promise<T>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A value read no longer than `maxAgeMs` ago: refreshes now when the cached one is older. */
  async fresh(maxAgeMs: number): Promise<T> {
    if (this.value !== undefined && this.now() - this.fetchedAt <= maxAgeMs) return this.value;
    return this.refresh();
  }

  async get(): Promise<T> {
    if (this.value !== undefined) return this.value;
    return this.refresh();
  }

  refresh(): Promise<T> {
    this.pending ??= this.fetch()
      .then((v) => {
        this.value = v;
        this.fetchedAt = this.now();
        return v;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** Background refresh: failures are logged and the cached value stays. */
  tick(): void {
    if (this.value === undefined) return;
    this.refresh().catch((err: unknown) => this.logger.warn({ err: (err as Error).message, cache: this.name }, 'proxy cache refresh failed; serving the last value'));
  }
}

/**
 * A proxy-only process's reads over the auth API: a TTL cache refreshed every few seconds (jittered),
 * so requests do not go to auth and an auth outage serves the last known nodes and CAs.
 */
export function remoteProxyReads(o: {
  client: AuthClient;
  clusterName: string;
  dial: (a: NetAddr) => Promise<Duplex>;
  clock?: Clock;
  logger: Logger;
  refreshMs?: number;
  random?: () => number;
}): ProxyReads {
  const { client, clusterName, logger } = o;
  const now = () => (o.clock ?? { now: Date.now }).now();
  const caKeys = async (type: string) => caSSHPublicBlobs(await client.getResource<CertAuthority>('cert_authority', `${type}/${clusterName}`));
  const entries = {
    user: new Refreshing('user_ca', () => caKeys('user'), logger),
    host: new Refreshing('host_ca', () => caKeys('host'), logger),
    nodes: new Refreshing('nodes', () => client.listNodes<Node>(), logger, now),
    proxies: new Refreshing('proxies', async () => (await client.listProxies<ProxyServer>()).map((p) => p.metadata.name), logger),
  };
  const period = o.refreshMs ?? PROXY_CACHE_REFRESH_MS;
  const random = o.random ?? Math.random;
  const stops = Object.values(entries).map((e: Refreshing<unknown>) =>
    every(realTimers(o.clock, { unref: true }), period + Math.floor(random() * (period / 5)), () => e.tick()),
  );
  return {
    userCAKeys: () => entries.user.get(),
    hostCAKeys: () => entries.host.get(),
    nodes: () => entries.nodes.get(),
    freshNodes: () => entries.nodes.fresh(1_000),
    proxyNames: () => entries.proxies.get(),
    authAddr: () => client.addr,
    dialAuth: async () => {
      let last: unknown;
      for (const addr of client.allAddrs) {
        const m = /^\[?(.*?)\]?:(\d+)$/.exec(addr);
        if (!m) continue;
        try {
          return await o.dial({ host: m[1], port: Number(m[2]) });
        } catch (err) {
          last = err;
        }
      }
      throw last ?? new ConnectionProblemError('no auth server could be reached');
    },
    close: () => {
      for (const stop of stops) stop();
    },
  };
}
