/**
 * What a proxy's SSH and tunnel listeners read from the cluster, as one narrow interface with two
 * implementations: straight from the backend when auth runs in the same process, and a cache fed by
 * the auth API's watch stream (with the proxy's host identity and auth failover) when it does not.
 */
import type { Duplex } from 'node:stream';
import type { Clock } from '../api/clock.js';
import type { AuthClient } from '../api/client/index.js';
import { ConnectionProblemError } from '../api/errors.js';
import { AGENT_SERVER_KINDS, isAgentServerKind, type AgentServer, type AgentServerKind, type CertAuthority, type Node, type ProxyServer } from '../api/types/index.js';
import type { WatchedResource } from '../api/watch-wire.js';
import { caSSHPublicBlobs } from '../auth/index.js';
import type { NetAddr } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { realTimers, type BackoffOptions, type Timers } from '../reversetunnel/index.js';
import type { Services } from '../services/index.js';
import { ResourceCache } from './resource-cache.js';

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
  /** Heartbeats of database, Kubernetes or application agents of `kind`. */
  agentServers(kind: AgentServerKind): Promise<AgentServer[]>;
  /** The same read past any cache (at most once a second), for a target `agentServers` lacks. */
  freshAgentServers(kind: AgentServerKind): Promise<AgentServer[]>;
  /** Host UUIDs of the proxies with a live heartbeat. */
  proxyNames(): Promise<string[]>;
  /** `host:port` of an auth server to relay `proxy:@cluster` and tunnel agents to. */
  authAddr(): string;
  /** A TCP stream to an auth server (the next one when the current one refuses). */
  dialAuth(): Promise<Duplex>;
  /** Stops any watching. Safe twice. */
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
    agentServers: (kind) => services.agentServers(kind).list(),
    freshAgentServers: (kind) => services.agentServers(kind).list(),
    proxyNames: async () => (await services.proxies.list()).map((p) => p.metadata.name),
    authAddr: () => `${o.authAddr().host}:${o.authAddr().port}`,
    dialAuth: () => o.dial(o.authAddr()),
    close: () => undefined,
  };
}

/** How often `freshNodes()` may read past the cache. */
const FRESH_NODES_MS = 1_000;

/** What the proxy keeps in its cache. */
const PROXY_KINDS = ['cert_authority', 'node', 'proxy', ...AGENT_SERVER_KINDS] as const;

/**
 * A proxy-only process's reads over the auth API: a cache fed by the auth API's watch stream
 * (resource-cache.ts), so reads do not go to auth and an auth outage serves the last known nodes,
 * agent servers (db_server, kube_server, app_server), CAs and proxies. Before the first sync a read goes to auth directly (and throws
 * ConnectionProblemError when none answers). Options: `timers` and `backoff` for tests.
 */
export function remoteProxyReads(o: {
  client: AuthClient;
  clusterName: string;
  dial: (a: NetAddr) => Promise<Duplex>;
  clock?: Clock;
  logger: Logger;
  timers?: Timers;
  backoff?: BackoffOptions;
}): ProxyReads {
  const { client, clusterName, logger } = o;
  const now = () => (o.clock ?? { now: Date.now }).now();
  const cache = new ResourceCache({
    kinds: PROXY_KINDS,
    watch: (kinds, opts) => client.watchEvents(kinds, opts),
    load: (kind) => loadKind(client, kind),
    timers: o.timers ?? realTimers(o.clock, { unref: true }),
    ...(o.backoff && { backoff: o.backoff }),
    logger,
  });
  cache.start();
  const memo = <T>(derive: () => T): (() => T) => {
    let at = -1;
    let value: T;
    return () => {
      if (at !== cache.version) {
        value = derive();
        at = cache.version;
      }
      return value;
    };
  };
  const caKeys = (type: string) =>
    memo(() => {
      const ca = cache.get('cert_authority', clusterName, type);
      return ca ? caSSHPublicBlobs(ca as unknown as CertAuthority) : [];
    });
  const cached = {
    user: caKeys('user'),
    host: caKeys('host'),
    nodes: memo(() => withExpiry(byName(cache.list('node') as unknown as Node[]))),
    agentServers: new Map(AGENT_SERVER_KINDS.map((k) => [k, memo(() => withExpiry(byName(cache.list(k) as unknown as AgentServer[])))])),
    proxies: memo(() => byName(cache.list('proxy') ?? []).map((p) => p.metadata.name)),
  };
  const direct = {
    ca: async (type: string) => caSSHPublicBlobs(await client.getResource<CertAuthority>('cert_authority', `${type}/${clusterName}`)),
    nodes: () => client.listNodes<Node>(),
    proxies: async () => (await client.listProxies<ProxyServer>()).map((p) => p.metadata.name),
  };
  let fresh: { at: number; value: Node[] } | undefined;
  let freshPending: Promise<Node[]> | undefined;
  // Past the cache (a target it lacks, or before the first sync): auth at most once a second per kind.
  const freshAgentServers = new Map(AGENT_SERVER_KINDS.map((k) => [k, throttled(() => client.listAgentServers<AgentServer>(k), now)]));
  return {
    userCAKeys: async () => (cache.synced ? cached.user() : direct.ca('user')),
    hostCAKeys: async () => (cache.synced ? cached.host() : direct.ca('host')),
    // A node whose heartbeat expired while the watch was down is not served (auth would not list it).
    nodes: async () => (cache.synced ? cached.nodes().live(now()) : direct.nodes()),
    freshNodes: async () => {
      if (fresh && now() - fresh.at < FRESH_NODES_MS) return fresh.value;
      freshPending ??= direct
        .nodes()
        .then((value) => {
          fresh = { at: now(), value };
          return value;
        })
        .finally(() => (freshPending = undefined));
      return freshPending;
    },
    // Like nodes: a heartbeat that expired while the watch was down is not served.
    agentServers: async (kind) => (cache.synced ? cached.agentServers.get(kind)!().live(now()) : freshAgentServers.get(kind)!()),
    freshAgentServers: (kind) => freshAgentServers.get(kind)!(),
    proxyNames: async () => (cache.synced ? cached.proxies() : direct.proxies()),
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
    close: () => cache.close(),
  };
}

/** The full state of one kind the proxy caches, through the ordinary list calls. */
async function loadKind(client: AuthClient, kind: string): Promise<WatchedResource[]> {
  if (kind === 'node') return client.listNodes<WatchedResource>();
  if (kind === 'proxy') return client.listProxies<WatchedResource>();
  if (isAgentServerKind(kind)) return client.listAgentServers<WatchedResource>(kind);
  return client.listResources<WatchedResource>(kind);
}

/**
 * `read` at most once per FRESH_NODES_MS (callers in between share the last answer or the read in
 * flight); when auth does not answer, the last answer is served, else the error is thrown.
 */
function throttled<T>(read: () => Promise<T>, now: () => number): () => Promise<T> {
  let last: { at: number; value: T } | undefined;
  let pending: Promise<T> | undefined;
  return () => {
    if (last && now() - last.at < FRESH_NODES_MS) return Promise.resolve(last.value);
    pending ??= read()
      .then((value) => {
        last = { at: now(), value };
        return value;
      })
      .catch((err: unknown) => {
        if (last) return last.value;
        throw err;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
}

/** Heartbeats with their expiry; `live(now)` drops the expired ones, filtering only once one may have expired. */
function withExpiry<T extends Node | AgentServer>(nodes: T[]): { live(now: number): T[] } {
  const exp = nodes.map((n) => (n.metadata.expires ? Date.parse(n.metadata.expires) : Infinity));
  const soonest = exp.reduce((m, e) => (e < m ? e : m), Infinity);
  return { live: (now) => (now < soonest ? nodes : nodes.filter((_, i) => !(exp[i] <= now))) };
}

const byName = <T extends { metadata: { name: string } }>(items: T[]): T[] => [...items].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
