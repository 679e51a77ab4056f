/**
 * The node's heartbeat: the node resource announced on start, then every ServerAnnounceTTL/2 plus
 * up to ServerAnnounceTTL/10 of jitter (Teleport's 300–360 s) with a 600 s TTL, at once when
 * something in it changes. After a failure, and when the node learns that its connection to auth
 * broke (`reconnect()`: its watch stream ended), it announces again at a random moment of the
 * reconnect window, which the auth server sizes to the cluster (its count of hosts over the rate it
 * takes them back at, capped): a restarted auth server gets every node back within one window,
 * spread evenly over it, instead of a stampede or a minute-long backoff. A failure other than a
 * refused connection (auth is up but swamped: a reset, a timeout) doubles the window each time, up to
 * a minute. Failures are logged, never thrown.
 */
import type { Clock } from '../api/clock.js';
import type { Node } from '../api/types/index.js';
import type { Logger } from '../log/index.js';
import type { Ticker } from './ticker.js';

/** Teleport's ServerAnnounceTTL: how long an announced node stays listed. */
export const SERVER_ANNOUNCE_TTL_MS = 600_000;
/** The shortest wait before announcing again after a failure. */
export const HEARTBEAT_RETRY_MIN_MS = 1_000;
/** The reconnect window before the auth server has told one (twice Teleport's HeartbeatCheckPeriod of 5 s). */
export const DEFAULT_RECONNECT_WINDOW_MS = 10_000;
/** The longest reconnect window a node accepts, whatever auth says. */
export const RECONNECT_WINDOW_MAX_MS = 60_000;

/** The wait before the next try after a failure or a lost connection: a random point of the window. */
export function retryDelayMs(windowMs: number, random: () => number = Math.random): number {
  const w = Math.max(HEARTBEAT_RETRY_MIN_MS, Math.min(windowMs, RECONNECT_WINDOW_MAX_MS));
  return Math.floor(HEARTBEAT_RETRY_MIN_MS + random() * (w - HEARTBEAT_RETRY_MIN_MS));
}

/** The announce period: TTL/2 plus a random share of TTL/10. */
export function announcePeriodMs(random: () => number = Math.random): number {
  return SERVER_ANNOUNCE_TTL_MS / 2 + Math.floor(random() * (SERVER_ANNOUNCE_TTL_MS / 10));
}

/** Options of Heartbeat. */
export interface HeartbeatOptions {
  /** Builds the resource to announce (called for each announce). */
  resource(): Node;
  /** Sends the announce; may resolve with the reconnect window the auth server asks for. */
  announce(node: Node, ttlMs: number): Promise<void | { reconnectWindowMs?: number }>;
  clock: Clock;
  ticker: Ticker;
  logger: Logger;
  /** Randomness for the jitter (tests). */
  random?: () => number;
}

/** Announces the node until closed. */
export class Heartbeat {
  private nextAt = 0;
  private inFlight: Promise<void> | undefined;
  private pending = false;
  private stopTicker: (() => void) | undefined;
  private failures = 0;
  private windowMs = DEFAULT_RECONNECT_WINDOW_MS;
  /** Failures in a row where auth was there but did not answer in time (overloaded): each doubles the window. */
  private busyFailures = 0;

  constructor(private readonly opts: HeartbeatOptions) {}

  /** Announce now and keep announcing. */
  start(): void {
    if (this.stopTicker) return;
    this.stopTicker = this.opts.ticker.add(() => this.check());
    this.trigger();
  }

  /** Announce as soon as possible (a label changed). */
  trigger(): void {
    this.pending = true;
    this.check();
  }

  /**
   * The connection to auth broke (the node's watch stream ended): announce again at a random moment
   * of the reconnect window, so that the nodes of a cluster come back spread over it.
   */
  reconnect(): void {
    if (!this.stopTicker) return;
    this.nextAt = Math.min(this.nextAt, this.opts.clock.now() + retryDelayMs(this.windowMs, this.opts.random));
  }

  /** The reconnect window in use (the auth server's, or the default before it has said). */
  get reconnectWindowMs(): number {
    return this.windowMs;
  }

  /** Stop announcing; resolves when an announce in flight has settled. Safe to call twice. */
  async close(): Promise<void> {
    this.stopTicker?.();
    this.stopTicker = undefined;
    await this.inFlight;
  }

  private check(): void {
    if (!this.stopTicker || this.inFlight) return;
    if (!this.pending && this.opts.clock.now() < this.nextAt) return;
    this.pending = false;
    this.inFlight = this.announceOnce().finally(() => {
      this.inFlight = undefined;
      // A change that arrived while announcing goes out at once.
      if (this.pending) this.check();
    });
  }

  private async announceOnce(): Promise<void> {
    const log = this.opts.logger;
    try {
      const answer = await this.opts.announce(this.opts.resource(), SERVER_ANNOUNCE_TTL_MS);
      const w = answer ? answer.reconnectWindowMs : undefined;
      if (typeof w === 'number' && Number.isFinite(w) && w > 0) this.windowMs = Math.min(w, RECONNECT_WINDOW_MAX_MS);
      if (this.failures > 0) log.info({ failures: this.failures }, 'heartbeat recovered');
      this.failures = 0;
      this.busyFailures = 0;
      this.nextAt = this.opts.clock.now() + announcePeriodMs(this.opts.random);
    } catch (err) {
      this.failures++;
      log.warn({ err: (err as Error).message, failures: this.failures }, 'heartbeat failed, will retry');
      // Refused: auth is not listening (down, restarting), and a try costs it nothing: stay within
      // the window. Anything else (a reset, a timeout) is an auth server that is up but swamped: back off.
      if ((err as { cause?: { code?: unknown } }).cause?.code !== 'ECONNREFUSED') this.busyFailures++;
      const widened = this.windowMs * 2 ** Math.min(this.busyFailures, 6);
      this.nextAt = this.opts.clock.now() + retryDelayMs(widened, this.opts.random);
    }
  }
}
