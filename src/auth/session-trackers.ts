/**
 * Session trackers: the live sessions nodes report (stored with an expiry the node refreshes, so a
 * node that dies leaves no ghost for long), and the listing users see. The same pattern as node and
 * proxy presence (presence.ts, proxy-presence.ts).
 */
import { AccessDeniedError, BadParameterError, isCode } from '../api/errors.js';
import { validateSessionTracker, type SessionTracker } from '../api/types/index.js';
import { joinModes, supportsModeratedSessions } from '../rbac/index.js';
import { ResourceStore, type Services } from '../services/index.js';
import type { Caller } from './caller.js';
import { authorize } from './caller.js';

/** How long a tracker stays listed when the node gives no TTL (three 30 s refreshes). */
export const DEFAULT_TRACKER_TTL_MS = 90_000;
/** The longest a tracker write may ask for. */
const MAX_TRACKER_TTL_MS = 60 * 60_000;

/** Session trackers over the cluster's backend (`/session_tracker/<id>`); every call is authorized. */
export class SessionTrackers {
  private readonly store: ResourceStore<SessionTracker>;

  constructor(
    private readonly services: Services,
    private readonly clusterName: string,
  ) {
    this.store = new ResourceStore<SessionTracker>({
      backend: services.backend,
      kind: 'session tracker',
      prefix: '/session_tracker/',
      keyOf: (n) => `/session_tracker/${n}`,
      validate: validateSessionTracker,
    });
  }

  /**
   * Stores a tracker with an expiry `ttlMs` from now. Authorized on the tracker written and the one
   * it replaces: a Node host may write only trackers naming its own host UUID (`spec.host_id`), so it
   * cannot take over another node's session ID; the administrator may write any. BadParameterError for a malformed tracker or TTL.
   */
  async upsert(caller: Caller, input: unknown, ttlMs = DEFAULT_TRACKER_TTL_MS): Promise<SessionTracker> {
    const tracker = validateSessionTracker(input);
    authorize(caller, 'session_tracker', 'create', tracker);
    authorize(caller, 'session_tracker', 'update', tracker);
    // Taking over another host's session ID is an update of that host's tracker.
    const existing = await this.find(tracker.metadata.name);
    if (existing) authorize(caller, 'session_tracker', 'update', existing);
    if (!Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_TRACKER_TTL_MS) throw new BadParameterError(`session tracker ttl must be between 1ms and ${MAX_TRACKER_TTL_MS}ms`);
    const expires = new Date(this.services.clock.now() + ttlMs).toISOString();
    tracker.metadata.expires = expires;
    tracker.spec.expires = expires;
    return this.store.upsert(tracker);
  }

  /**
   * The live sessions the caller may see: every one for system identities and for roles allowing
   * `list` and `read` on `session_tracker`; otherwise those the caller takes part in or may join
   * (Teleport: a session a user's join_sessions policies allow is visible to them).
   */
  async list(caller: Caller): Promise<SessionTracker[]> {
    const all = await this.store.list();
    if (caller.systemRole || this.mayListAll(caller)) return all;
    return all.filter((t) => t.spec.participants.some((p) => p.user === caller.username) || canJoin(caller, t));
  }

  /** Removes a tracker (its session ended): `delete` on that tracker; a missing one is fine. */
  async remove(caller: Caller, sessionId: string): Promise<void> {
    const existing = await this.find(sessionId);
    // A tracker that already expired is authorized as the caller's own: only the verb is checked.
    authorize(caller, 'session_tracker', 'delete', existing ?? { kind: 'session_tracker', metadata: { name: sessionId }, spec: { host_id: caller.hostId ?? '' } });
    if (!existing) return;
    await this.store.delete(sessionId);
  }

  private mayListAll(caller: Caller): boolean {
    try {
      authorize(caller, 'session_tracker', 'list');
      authorize(caller, 'session_tracker', 'read');
      return true;
    } catch (err) {
      if (err instanceof AccessDeniedError) return false;
      throw err;
    }
  }

  private async find(sessionId: string): Promise<SessionTracker | undefined> {
    try {
      return await this.store.get(sessionId);
    } catch (err) {
      if (isCode(err, 'not_found')) return undefined;
      throw err;
    }
  }
}

/** Whether the caller's roles allow joining the tracked session in some mode (its owner is the first participant). */
function canJoin(caller: Caller, t: SessionTracker): boolean {
  const owner = t.spec.participants[0]?.user;
  if (!owner) return false;
  const ownerRoles = (t.spec.host_policies ?? []).map((p) => p.name);
  const target = { sessionId: t.spec.session_id, kind: t.spec.kind, owner, ownerRoles };
  // Only a policy grants visibility: the pre-v5 fallback (peer for anyone) would show every session.
  return supportsModeratedSessions(caller.checker.all()) && joinModes({ user: caller.username, roles: caller.checker.all() }, target).length > 0;
}
