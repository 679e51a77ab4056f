/**
 * Proxy presence: the heartbeats proxies send about themselves (stored with an expiry, so a proxy
 * that stops heartbeating disappears), which reverse tunnel discovery reads to tell agents about
 * every proxy. The same pattern as node presence (presence.ts).
 */
import { BadParameterError } from '../api/errors.js';
import type { Clock } from '../api/clock.js';
import { validateProxyServer, type ProxyServer } from '../api/types/index.js';
import type { Services } from '../services/index.js';
import type { Caller } from './caller.js';
import { authorize } from './caller.js';

/**
 * How long a proxy heartbeat keeps a proxy listed when none is given: three announce periods, so
 * agents stop seeking a proxy that died without saying so within minutes.
 */
export const DEFAULT_PROXY_TTL_MS = 3 * 60_000;
/** The longest a proxy heartbeat may ask for. */
const MAX_PROXY_TTL_MS = 60 * 60_000;

/** Proxy heartbeats over the cluster's stores; every call taking a Caller is authorized. */
export class ProxyPresence {
  constructor(
    private readonly services: Services,
    private readonly clusterName: string,
  ) {}

  /**
   * Stores a proxy's heartbeat with an expiry `ttlMs` from now. Authorized as any write of a proxy
   * record: a Proxy host may announce only itself (its host UUID), the administrator any. BadParameterError for a
   * malformed proxy or TTL.
   */
  async heartbeat(caller: Caller, input: unknown, ttlMs = DEFAULT_PROXY_TTL_MS): Promise<ProxyServer> {
    const proxy = validateProxyServer(input);
    authorize(caller, 'proxy', 'create', proxy);
    authorize(caller, 'proxy', 'update', proxy);
    return this.announce(proxy, ttlMs);
  }

  /** Stores a heartbeat without authorization: for the proxy running in the auth server's process. */
  async announce(input: unknown, ttlMs = DEFAULT_PROXY_TTL_MS): Promise<ProxyServer> {
    const proxy = validateProxyServer(input);
    if (!Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_PROXY_TTL_MS) throw new BadParameterError(`heartbeat ttl must be between 1ms and ${MAX_PROXY_TTL_MS}ms`);
    proxy.metadata.expires = new Date(this.clock.now() + ttlMs).toISOString();
    return this.services.proxies.upsert(proxy);
  }

  /** Every proxy with a live heartbeat. */
  async list(caller: Caller): Promise<ProxyServer[]> {
    authorize(caller, 'proxy', 'list');
    authorize(caller, 'proxy', 'read');
    return this.services.proxies.list();
  }

  /** Removes a proxy's heartbeat (a proxy shutting down cleanly): `delete` on that proxy record. */
  async remove(caller: Caller | undefined, name: string): Promise<void> {
    if (caller) authorize(caller, 'proxy', 'delete', { kind: 'proxy', metadata: { name } });
    await this.services.proxies.delete(name);
  }

  private get clock(): Clock {
    return this.services.clock;
  }
}
