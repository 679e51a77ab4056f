/**
 * etcd leases for expiring keys, shared by keys whose real-time deadline falls in the same bucket
 * (one lease grant per bucket instead of one per write). A lease ends at or after its bucket's end,
 * so it never removes a key before the key's own expiry; reads and the sweeper enforce the exact one.
 */
import type { Clock } from '../../api/clock.js';

/** Width of a bucket of deadlines sharing one lease. */
export const LEASE_BUCKET_MS = 10_000;
/** Keys expiring further out than this get no lease (the sweeper alone deletes them). */
export const MAX_LEASE_MS = 30 * 24 * 3600_000;
/** Slack added to each lease so it outlives the last deadline in its bucket. */
const GRACE_S = 2;

/** Grants (and caches) leases; `grant(ttlSeconds)` returns the lease ID. */
export class LeasePool {
  private readonly buckets = new Map<number, Promise<string>>();

  constructor(
    private readonly clock: Clock,
    private readonly grant: (ttlSeconds: number) => Promise<string>,
  ) {}

  /** The lease to attach to a key expiring at `expires` (backend clock), or undefined for none. */
  async leaseFor(expires: number | undefined): Promise<string | undefined> {
    if (expires === undefined) return undefined;
    const remaining = Math.max(0, expires - this.clock.now());
    if (remaining > MAX_LEASE_MS) return undefined;
    const now = Date.now();
    const bucket = Math.ceil((now + remaining) / LEASE_BUCKET_MS) * LEASE_BUCKET_MS;
    let lease = this.buckets.get(bucket);
    if (!lease) {
      for (const b of this.buckets.keys()) if (b <= now) this.buckets.delete(b);
      lease = this.grant(Math.ceil((bucket - now) / 1000) + GRACE_S);
      this.buckets.set(bucket, lease);
      lease.catch(() => this.buckets.delete(bucket));
    }
    return lease;
  }
}
