/**
 * The cluster auth preference's `require_session_mfa` as agents read it for every session they
 * authorize (database connections, Kubernetes requests): read over the auth API and reused for a
 * few seconds, so an edit of the preference reaches new sessions within that time.
 */
import type { AuthClient } from '../api/client/index.js';
import type { Clock } from '../api/clock.js';

/** How long a read preference is reused. */
const CACHE_MS = 5_000;

/** A reader of `require_session_mfa` (undefined for a cluster without a stored preference). */
export function requireSessionMFAReader(client: AuthClient, clock: Clock): () => Promise<unknown> {
  let hit: { at: number; value: Promise<unknown> } | undefined;
  return () => {
    const now = clock.now();
    if (!hit || now - hit.at > CACHE_MS) {
      const value = client.getResource<{ spec?: { require_session_mfa?: unknown } }>('cluster_auth_preference', 'cluster-auth-preference').then(
        (cap) => cap.spec?.require_session_mfa,
        (err: unknown) => {
          if ((err as { code?: string }).code === 'not_found') return undefined;
          hit = undefined;
          throw err;
        },
      );
      hit = { at: now, value };
    }
    return hit.value;
  };
}
