/**
 * What the database, application and Kubernetes services share, written once: how an agent
 * reaches the cluster (in process next to auth and the proxy, or through the proxy it joined),
 * how the proxy reaches the agent (a memory pipe, or the host's reverse tunnel of its kind), the
 * role reads their access points make, the heartbeat loop of their `*_server` records, and the
 * watch (or poll) that serves the resources `resources:` selectors match (db, app).
 */
import type { Duplex } from 'node:stream';
import { AuthClient } from '../api/client/index.js';
import { BadParameterError, isCode } from '../api/errors.js';
import type { AgentServer, Role } from '../api/types/index.js';
import { formatAddr } from '../config/index.js';
import type { AuditEmitter, RemoteEmitter } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { WatchEvent } from '../api/watch-wire.js';
import { Backoff, every, realTimers, type Timers } from '../reversetunnel/index.js';
import type { Clock } from '../api/clock.js';
import type { AgentLink } from './agent-link.js';
import { remoteAuditEmitter } from './audit-service.js';
import { ensureHostIdentity, joinOptions } from './join.js';
import { memoryPipe } from './memory-pipe.js';
import type { ProcessContext } from './service.js';
import { clusterOfIdentity, loopbackFor } from './ssh-services.js';
import { CACHE_BACKOFF } from './resource-cache.js';
import { proxyToJoinThrough } from './tunnel-services.js';

/** Teleport's heartbeat period and the time a heartbeat stays listed. */
export const HEARTBEAT_MS = 60_000;
export const HEARTBEAT_TTL_MS = 10 * 60_000;
/** How often selected resources are read without a watch (a created one is served within this). */
export const RESOURCES_POLL_MS = 5_000;
/** With a watch, the full read that catches anything it may have missed. */
export const RESOURCES_RESYNC_MS = 5 * 60_000;
/** A heartbeat withdrawn: announced again with an expiry of now, so it leaves the listings at once. */
const WITHDRAW_TTL_MS = 1;

/** An agent's way to the cluster. */
export interface AgentConnection {
  client: AuthClient;
  audit: AuditEmitter;
  /** The host's link through its proxy; absent in process next to auth. */
  link?: AgentLink;
}

/**
 * Connects an agent service: with this process's auth when it runs here (the proxy must run here
 * too, to reach it in memory), else through the proxy it joined. `section` and `agent` name it in
 * the BadParameterError for a process that cannot do either.
 */
export async function connectAgent(ctx: ProcessContext, section: string, agent: string, o: { withProxyNeedsAuth?: boolean; proxyAddr?: string } = {}): Promise<AgentConnection> {
  const { config, localAuth } = ctx;
  if (localAuth || (o.withProxyNeedsAuth && config.services.proxy)) {
    if (!localAuth || !config.services.proxy) {
      throw new BadParameterError(`${section} next to auth_service needs proxy_service in the same process (and the other way round); or run ${section} on a host that joins through the proxy (proxy_server)`);
    }
    const c = await localAuth.server.hostCredentials('Node');
    const client = new AuthClient({ addr: formatAddr(loopbackFor(localAuth.addr)), clusterName: ctx.clusterName, credentials: { keyPem: c.keyPem, certPem: c.tls, caPems: c.tlsCAs } });
    return { client, audit: localAuth.server.auth.auditLog };
  }
  const proxyAddr = o.proxyAddr ?? (await proxyToJoinThrough(config));
  if (!proxyAddr) {
    throw new BadParameterError(`${section} is reached through a proxy: set teleport.proxy_server (or auth_servers to the proxy's public address) so the ${agent} can open its reverse tunnel`);
  }
  const link = await ctx.agentLink(proxyAddr);
  return { client: link.client, audit: link.emitter, link };
}

/** An agent joined directly to auth, with the host identity it serves its own listener with. */
export interface DirectAgentConnection extends AgentConnection {
  clusterName: string;
  identity: { keyPem: string; certPem: string; caPems: string[] };
  /** The audit emitter to flush at close (remote auth only). */
  emitter?: RemoteEmitter;
}

/**
 * Connects an agent straight to auth with a host identity of `role`: this process's auth server,
 * or the `auth_servers` it joins with its token (the identity kept in data_dir/identity/). Throws
 * BadParameterError without a token or auth server, AccessDeniedError when refused.
 */
export async function connectDirect(ctx: ProcessContext, role: 'Kube', extraNames: string[]): Promise<DirectAgentConnection> {
  const { config, localAuth, hostId, logger } = ctx;
  if (localAuth) {
    const c = await localAuth.server.hostCredentials(role, extraNames);
    const client = new AuthClient({ addr: formatAddr(loopbackFor(localAuth.addr)), clusterName: ctx.clusterName, credentials: { keyPem: c.keyPem, certPem: c.tls, caPems: c.tlsCAs } });
    return { client, audit: localAuth.server.auth.auditLog, clusterName: ctx.clusterName, identity: { keyPem: c.keyPem, certPem: c.tls, caPems: c.tlsCAs } };
  }
  const t = config.teleport;
  const authAddrs = t.authServers.map(formatAddr);
  const identity = await ensureHostIdentity(joinOptions(t, { hostId, role, authServers: authAddrs, additionalPrincipals: extraNames, logger }));
  if (!identity.tlsCert) throw new BadParameterError(`the ${role.toLowerCase()} identity lacks its TLS certificate; remove data_dir/identity/${role.toLowerCase()}.pem and join again`);
  const clusterName = clusterOfIdentity(identity.tlsCert, hostId);
  const client = new AuthClient({ addr: authAddrs[0], fallbackAddrs: authAddrs.slice(1), clusterName, credentials: { keyPem: identity.keyPem, certPem: identity.tlsCert, caPems: identity.tlsCAs } });
  const emitter = remoteAuditEmitter(client, ctx.clock, logger);
  return { client, audit: emitter, emitter, clusterName, identity: { keyPem: identity.keyPem, certPem: identity.tlsCert, caPems: identity.tlsCAs } };
}

/** Lets the proxy reach `serve` for `kind`: through the host's tunnel, else in memory. Returns the undo. */
export function exposeAgent(ctx: ProcessContext, conn: AgentConnection, kind: 'db' | 'app' | 'kube', serve: (stream: Duplex) => void): () => void {
  if (conn.link) return conn.link.handlers.register(kind, () => serve);
  return ctx.localAgents.register(kind, ctx.hostId, () => {
    const [proxySide, agentSide] = memoryPipe();
    serve(agentSide);
    return proxySide;
  });
}

/** The roles of `names` the auth API has (missing ones skipped), as every agent's access point reads them. */
export async function rolesByName(client: AuthClient, names: string[]): Promise<Role[]> {
  const out: Role[] = [];
  for (const name of names) {
    try {
      out.push(await client.getResource<Role>('role', name));
    } catch (err) {
      if (!isCode(err, 'not_found')) throw err;
    }
  }
  return out;
}

/** What the loops below need of an agent. */
export interface HeartbeatOptions {
  /** The records to announce now. */
  servers(): AgentServer[];
  heartbeat(server: AgentServer, ttlMs: number): Promise<void>;
  /** Runs before each round (a database agent re-reads its databases' versions). */
  refresh?(): Promise<void>;
  clock: Clock;
  log: Logger;
  /** The log field naming a record (`db`, `app`, `kube_cluster`). */
  field: string;
}

/** Announces every record now and each HEARTBEAT_MS; resolves with the stop function. */
export async function startHeartbeats(o: HeartbeatOptions): Promise<() => void> {
  const beat = async () => {
    await o.refresh?.();
    for (const server of o.servers()) {
      await o.heartbeat(server, HEARTBEAT_TTL_MS).catch((err: unknown) => o.log.warn({ [o.field]: server.metadata.name, err: (err as Error).message }, 'heartbeat failed'));
    }
  };
  await beat();
  return every(realTimers(o.clock, { unref: true }), HEARTBEAT_MS, () => void beat());
}

/** The dynamic registration of one kind: resources read, chosen, and handed to the agent. */
export interface ResourceSyncOptions<R extends { metadata: { name: string } }, T> extends HeartbeatOptions {
  /** The resource kind as logs name it (`db`, `app`). */
  kind: string;
  list(): Promise<R[]>;
  selected(r: R): boolean;
  /** Throws for a resource this agent cannot serve (logged, skipped). */
  convert(r: R): T;
  /** Replaces the agent's dynamic set; returns the names it no longer serves. */
  setDynamic(chosen: T[]): string[];
  /**
   * The auth API's watch of the kind (AuthClient.watchEvents): each change is read at once, and the
   * poll falls back to RESOURCES_RESYNC_MS. Without it the resources are polled each RESOURCES_POLL_MS.
   */
  watch?(signal: AbortSignal): AsyncIterable<WatchEvent>;
}

/**
 * Serves the resources the selectors match: read now, on every change the watch reports (every
 * RESOURCES_POLL_MS without one, and every RESOURCES_RESYNC_MS with one in case it missed any);
 * new and changed ones are announced at once, ones deleted or no longer matching withdrawn.
 * Resolves with the stop function.
 */
export async function startResourceSync<R extends { metadata: { name: string } }, T>(o: ResourceSyncOptions<R, T>): Promise<() => void> {
  let syncing: Promise<void> | undefined;
  let again = false;
  const sync = (): Promise<void> => {
    // A change during a sync is read by one more sync right after it.
    if (syncing) {
      again = true;
      return syncing;
    }
    syncing = (async () => {
      do {
        again = false;
        await syncOnce(o);
      } while (again);
    })().finally(() => (syncing = undefined));
    return syncing;
  };
  await sync();
  const timers = realTimers(o.clock, { unref: true });
  const stopPoll = every(timers, o.watch ? RESOURCES_RESYNC_MS : RESOURCES_POLL_MS, () => void sync());
  if (!o.watch) return stopPoll;
  const stop = new AbortController();
  void watchChanges(o, stop.signal, timers, () => void sync());
  return () => {
    stop.abort();
    stopPoll();
  };
}

/** Calls `changed` on each put or delete of the watch (and when it reconnects); reconnects after a jittered backoff. */
async function watchChanges<R extends { metadata: { name: string } }, T>(o: ResourceSyncOptions<R, T>, signal: AbortSignal, timers: Timers, changed: () => void): Promise<void> {
  const backoff = new Backoff(CACHE_BACKOFF);
  while (!signal.aborted) {
    try {
      for await (const ev of o.watch!(signal)) {
        // `init`: the watch is registered; what changed while it was down is read now.
        changed();
        if (ev.type === 'init') backoff.reset();
      }
    } catch (err) {
      if (signal.aborted) return;
      o.log.warn({ err: (err as Error).message }, `the watch of ${o.kind} resources broke: reconnecting`);
    }
    if (signal.aborted) return;
    await new Promise<void>((wake) => {
      const cancel = timers.after(backoff.next(), wake);
      signal.addEventListener('abort', () => (cancel(), wake()), { once: true });
    });
  }
}

async function syncOnce<R extends { metadata: { name: string } }, T>(o: ResourceSyncOptions<R, T>): Promise<void> {
  try {
    const chosen: T[] = [];
    for (const r of await o.list()) {
      if (!o.selected(r)) continue;
      try {
        chosen.push(o.convert(r));
      } catch (err) {
        o.log.warn({ [o.field]: r.metadata.name, err: (err as Error).message }, `${o.kind} resource cannot be served`);
      }
    }
    const before = new Map(o.servers().map((s) => [s.metadata.name, s]));
    for (const name of o.setDynamic(chosen)) {
      const server = before.get(name);
      if (server) await o.heartbeat(server, WITHDRAW_TTL_MS).catch((err: unknown) => o.log.warn({ [o.field]: name, err: (err as Error).message }, 'withdrawing a heartbeat failed'));
      o.log.info({ [o.field]: name }, `${o.kind} resource no longer served`);
    }
    // New ones, and ones whose resource changed (uri, labels, ...), are announced at once.
    for (const server of o.servers().filter((s) => JSON.stringify(before.get(s.metadata.name)) !== JSON.stringify(s))) {
      o.log.info({ [o.field]: server.metadata.name }, before.has(server.metadata.name) ? `${o.kind} resource changed` : `serving ${o.kind} resource`);
      await o.heartbeat(server, HEARTBEAT_TTL_MS).catch((err: unknown) => o.log.warn({ [o.field]: server.metadata.name, err: (err as Error).message }, 'heartbeat failed'));
    }
  } catch (err) {
    o.log.warn({ err: (err as Error).message }, `could not read the ${o.kind} resources`);
  }
}
