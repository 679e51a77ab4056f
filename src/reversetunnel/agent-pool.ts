/**
 * The agent pool: keeps one tunnel to every proxy of the cluster (Teleport's agent mesh). It dials
 * the proxies' tunnel address (resolved again before each attempt, as it may sit behind a load
 * balancer or move), learns the set of proxies from discovery, and keeps connecting, one attempt at
 * a time, until each proxy it heard of has a tunnel; a connection that lands on a proxy already
 * covered is closed. Lost tunnels and failed or redundant attempts are retried after a capped,
 * jittered exponential backoff on the injected timers, so agents that lost a proxy together do not
 * come back together.
 */
import type { Duplex } from 'node:stream';
import { ConnectionProblemError } from '../api/errors.js';
import type { Logger } from '../log/index.js';
import { TunnelAgent, type AgentCredentials, type DialHandler } from './agent.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { realTimers, type Timers } from './timers.js';

/** Options of the pool. */
export interface AgentPoolOptions extends AgentCredentials {
  /** The proxies' tunnel address (`host:port`), asked before every attempt. */
  resolveAddr(): Promise<string>;
  /** A byte stream to the tunnel server at the resolved address; absent or undefined: a TCP connection. */
  dial?(addr: string): Promise<Duplex | undefined>;
  /** Decides the proxy's dial requests: the host's DialHandlers registry (`handle`), one handler per tunnel type. */
  handler: DialHandler;
  timers?: Timers;
  backoff?: BackoffOptions;
  heartbeatMs?: number;
  logger: Logger;
}

/** Keeps the tunnels up until closed. */
export class AgentPool {
  private readonly timers: Timers;
  private readonly backoff: Backoff;
  private readonly agents = new Map<string, TunnelAgent>();
  /** The latest proxy list each live tunnel's proxy sent. */
  private readonly discovered = new Map<object, string[]>();
  private attempting = false;
  private cancelTimer?: () => void;
  private started = false;
  private closed = false;
  private waiters: (() => void)[] = [];
  private nextAgent = 0;
  /** Connection attempts made so far (for status and tests). */
  attempts = 0;

  constructor(private readonly o: AgentPoolOptions) {
    this.timers = o.timers ?? realTimers();
    this.backoff = new Backoff(o.backoff ?? DEFAULT_BACKOFF);
  }

  /** Starts connecting (the first attempt at once). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.attempt();
  }

  /** Closes every tunnel and stops reconnecting. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const agents = [...this.agents.values()];
    for (const a of agents) a.close();
    await Promise.all(agents.map((a) => a.closed));
    this.wakeWaiters();
  }

  /** Host UUIDs of the proxies with a tunnel up, sorted. */
  connectedProxies(): string[] {
    return [...this.agents.keys()].sort();
  }

  /** Host UUIDs of every proxy the connected ones announced, sorted. */
  knownProxies(): string[] {
    return [...this.known()].sort();
  }

  /** Resolves once at least one tunnel is up; rejects with ConnectionProblemError after `timeoutMs`. */
  waitConnected(timeoutMs: number): Promise<void> {
    if (this.agents.size > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new ConnectionProblemError(`no reverse tunnel came up within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        if (this.agents.size > 0) resolve();
        else reject(new ConnectionProblemError('the agent pool closed before a tunnel came up'));
      });
    });
  }

  /** A byte stream to the auth API through any connected proxy. ConnectionProblemError when none is. */
  dialAuth(): Promise<Duplex> {
    const list = [...this.agents.values()];
    if (list.length === 0) return Promise.reject(new ConnectionProblemError('no reverse tunnel to a proxy is up to reach the auth server through'));
    return list[this.nextAgent++ % list.length].dialAuth();
  }

  private known(): Set<string> {
    const out = new Set<string>();
    for (const ids of this.discovered.values()) for (const id of ids) out.add(id);
    return out;
  }

  /** True while some proxy (or, with none connected, any proxy) still needs a tunnel. */
  private wanted(): boolean {
    if (this.agents.size === 0) return true;
    for (const id of this.known()) if (!this.agents.has(id)) return true;
    return false;
  }

  private schedule(): void {
    if (this.closed || this.attempting || this.cancelTimer || !this.wanted()) return;
    const delay = this.backoff.next();
    this.o.logger.debug({ delay_ms: delay, attempt: this.backoff.attempts, connected: this.agents.size }, 'reverse tunnel: next connection attempt scheduled');
    this.cancelTimer = this.timers.after(delay, () => {
      this.cancelTimer = undefined;
      // Discovery may have changed while waiting (a proxy left, or another tunnel covered it).
      if (this.wanted()) void this.attempt();
    });
  }

  private async attempt(): Promise<void> {
    if (this.closed || this.attempting) return;
    this.attempting = true;
    this.attempts++;
    const log = this.o.logger;
    const key = {};
    let dropped = false;
    const drop = () => {
      dropped = true;
      this.discovered.delete(key);
    };
    try {
      const addr = await this.o.resolveAddr();
      const agent = await TunnelAgent.connect({
        ...this.o,
        addr,
        timers: this.timers,
        onDiscovery: (ids) => {
          if (dropped) return;
          this.discovered.set(key, ids);
          this.schedule();
        },
      });
      if (this.closed) {
        drop();
        agent.close();
      } else if (this.agents.has(agent.proxyId)) {
        // Landed on a proxy we already have (a load balancer's choice): try again later.
        log.debug({ proxy_id: agent.proxyId }, 'reverse tunnel: already connected to this proxy, closing the extra tunnel');
        drop();
        agent.close();
      } else {
        this.adopt(agent, key, addr);
      }
    } catch (err) {
      drop();
      log.warn({ err: (err as Error).message, attempt: this.backoff.attempts }, 'reverse tunnel: connection attempt failed');
    } finally {
      this.attempting = false;
    }
    this.schedule();
  }

  private adopt(agent: TunnelAgent, key: object, addr: string): void {
    this.agents.set(agent.proxyId, agent);
    this.backoff.reset();
    this.o.logger.info({ proxy_id: agent.proxyId, addr }, 'reverse tunnel is up');
    this.wakeWaiters();
    void agent.closed.then(() => {
      if (this.agents.get(agent.proxyId) === agent) this.agents.delete(agent.proxyId);
      this.discovered.delete(key);
      if (!this.closed) this.o.logger.info({ proxy_id: agent.proxyId }, 'reverse tunnel is down, reconnecting');
      this.schedule();
    });
  }

  private wakeWaiters(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
