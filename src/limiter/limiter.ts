/**
 * `teleport.connection_limits` as Teleport applies them: `max_connections` concurrent connections
 * per client IP, `max_users` distinct users with open connections, `rates` token buckets per IP.
 */
import { systemClock, type Clock } from '../api/clock.js';
import { LimitExceededError } from '../api/errors.js';
import { RateBuckets, type Rate } from './rate.js';

/** The limits; 0 means no limit for `maxConnections` and `maxUsers`. */
export interface ConnectionLimits {
  maxConnections: number;
  maxUsers: number;
  rates: readonly Rate[];
}

/** Options of ConnectionLimiter. */
export interface ConnectionLimiterOptions {
  limits: ConnectionLimits;
  clock?: Clock;
}

/** Releases what an acquire took; safe to call more than once. */
export type Release = () => void;

/**
 * Counts connections per IP and connected users and keeps the rate buckets. Every refusal throws
 * LimitExceededError with the text the client is shown; one limiter serves one listener.
 */
export class ConnectionLimiter {
  private readonly perIP = new Map<string, number>();
  private readonly users = new Map<string, number>();
  private readonly rates: RateBuckets;

  constructor(private readonly opts: ConnectionLimiterOptions) {
    this.rates = new RateBuckets(opts.limits.rates, opts.clock ?? systemClock);
  }

  /** Take a token from `ip`'s rate buckets. Throws LimitExceededError when one is empty. */
  registerRequest(ip: string): void {
    const key = normalizeIP(ip);
    if (!this.rates.take(key)) throw new LimitExceededError(`rate limit exceeded for ${key}`);
  }

  /**
   * Admit one more connection (or in-flight request) from `ip`: a rate token and a connection
   * slot. Throws LimitExceededError "too many connections from <ip>" at `max_connections`.
   */
  acquireConnection(ip: string): Release {
    const key = normalizeIP(ip);
    this.registerRequest(key);
    const max = this.opts.limits.maxConnections;
    const n = this.perIP.get(key) ?? 0;
    if (max > 0 && n >= max) throw new LimitExceededError(`too many connections from ${key}: ${n}, max is ${max}`);
    return count(this.perIP, key);
  }

  /**
   * Admit one more connection of `user`. A user already connected is always admitted; a new one
   * is refused with LimitExceededError "max user limit reached" once `max_users` are connected.
   */
  acquireUser(user: string): Release {
    const max = this.opts.limits.maxUsers;
    if (max > 0 && !this.users.has(user) && this.users.size >= max) {
      throw new LimitExceededError(`max user limit reached: ${this.users.size} users connected, max is ${max}`);
    }
    return count(this.users, user);
  }

  /** Open connections from `ip` (for tests and diagnostics). */
  connections(ip: string): number {
    return this.perIP.get(normalizeIP(ip)) ?? 0;
  }
}

function count(m: Map<string, number>, key: string): Release {
  m.set(key, (m.get(key) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = (m.get(key) ?? 1) - 1;
    if (n <= 0) m.delete(key);
    else m.set(key, n);
  };
}

// IPv4 clients of a dual-stack listener arrive as ::ffff:a.b.c.d.
function normalizeIP(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
