/**
 * What the node needs from the cluster (Teleport's "access point"): the user CA keys it trusts,
 * role definitions, the auth preference, and a way to announce itself. The composition root
 * implements it over the auth API (reads from a watch-fed cache); tests implement it in memory.
 */
import type { SemaphoreLeaseWire } from '../api/client/auth-client.js';
import type { AuthPreference, NetworkingConfig, Node, Role, SessionTracker } from '../api/types/index.js';

/** The node's narrow view of the cluster. */
export interface NodeAccessPoint {
  clusterName: string;
  /** Plain SSH public key blobs of the cluster's user CA(s) trusted for user certificates. */
  userCAKeys(): Promise<Buffer[]>;
  /** Role definitions by name; unknown names are skipped. */
  roles(names: string[]): Promise<Role[]>;
  /** The cluster auth preference (disconnect_expired_cert etc.). */
  authPreference(): Promise<AuthPreference>;
  /** The cluster networking config (idle timeout, keep-alives, session control); undefined: the defaults. */
  networkingConfig(): Promise<NetworkingConfig | undefined>;
  /** Announce this node (heartbeat) so it stays listed for ttlMs; may answer with auth's reconnect window. */
  heartbeat(node: Node, ttlMs: number): Promise<void | { reconnectWindowMs?: number }>;
  /** Calls `listener` when the node's connection to auth broke (its watch stream ended). */
  onAuthLost?(listener: () => void): void;
  /** Report a live session so it stays listed for ttlMs (absent: sessions are not tracked). */
  upsertSessionTracker?(tracker: SessionTracker, ttlMs: number): Promise<void>;
  /** Remove a session's tracker when it ends. */
  deleteSessionTracker?(sessionId: string): Promise<void>;
  /** Take a lease on the user's `connection` semaphore (max_connections); LimitExceededError when none is left. */
  acquireSemaphore?(req: { semaphore_kind: string; semaphore_name: string; max_leases: number; holder: string; expires_ms: number }): Promise<SemaphoreLeaseWire>;
  /** Extend a lease; NotFoundError when it was lost. */
  renewSemaphore?(lease: SemaphoreLeaseWire, expiresMs: number): Promise<SemaphoreLeaseWire>;
  /** Give a lease back. */
  cancelSemaphore?(lease: SemaphoreLeaseWire): Promise<void>;
  /** Stops background work (a cache's watch); the node calls it when it closes. Safe twice. */
  close?(): void;
}
