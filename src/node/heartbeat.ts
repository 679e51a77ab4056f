/**
 * The node's heartbeat: the node resource announced on start, then every ServerAnnounceTTL/2 plus
 * up to ServerAnnounceTTL/10 of jitter (Teleport's 300–360 s) with a 600 s TTL, at once when
 * something in it changes, and retried every 5 s after a failure. Failures are logged, never thrown.
 */
import type { Clock } from '../api/clock.js';
import type { Node } from '../api/types/index.js';
import type { Logger } from '../log/index.js';
import type { Ticker } from './ticker.js';

/** Teleport's ServerAnnounceTTL: how long an announced node stays listed. */
export const SERVER_ANNOUNCE_TTL_MS = 600_000;
/** Teleport's HeartbeatCheckPeriod: the retry delay after a failed announce. */
export const HEARTBEAT_RETRY_MS = 5_000;
/** The longest wait between failed heartbeats. */
export const HEARTBEAT_RETRY_MAX_MS = 60_000;

/**
 * The wait after the `failures`-th failed heartbeat in a row: doubling from HEARTBEAT_RETRY_MS up to
 * HEARTBEAT_RETRY_MAX_MS, then a random point in its upper half, so the nodes of a cluster do not
 * retry in step after an auth server restart.
 */
export function retryDelayMs(failures: number, random: () => number = Math.random): number {
  const d = Math.min(HEARTBEAT_RETRY_MAX_MS, HEARTBEAT_RETRY_MS * 2 ** Math.max(0, failures - 1));
  return Math.floor(d / 2 + random() * (d / 2));
}

/** The announce period: TTL/2 plus a random share of TTL/10. */
export function announcePeriodMs(random: () => number = Math.random): number {
  return SERVER_ANNOUNCE_TTL_MS / 2 + Math.floor(random() * (SERVER_ANNOUNCE_TTL_MS / 10));
}

/** Options of Heartbeat. */
export interface HeartbeatOptions {
  /** Builds the resource to announce (called for each announce). */
  resource(): Node;
  announce(node: Node, ttlMs: number): Promise<void>;
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
      await this.opts.announce(this.opts.resource(), SERVER_ANNOUNCE_TTL_MS);
      if (this.failures > 0) log.info({ failures: this.failures }, 'heartbeat recovered');
      this.failures = 0;
      this.nextAt = this.opts.clock.now() + announcePeriodMs(this.opts.random);
    } catch (err) {
      this.failures++;
      log.warn({ err: (err as Error).message, failures: this.failures }, 'heartbeat failed, will retry');
      this.nextAt = this.opts.clock.now() + retryDelayMs(this.failures, this.opts.random);
    }
  }
}
