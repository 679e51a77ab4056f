/**
 * Session IDs on the node. A client may name the session it opens with the `TELEPORT_SESSION` env
 * request (Teleport's `sshutils.SessionEnvVar`; the proxy's web terminal sends the ID it showed the
 * browser), so that the terminal, the audit events and the recording share one ID. The node adopts a
 * well-formed UUID that no live session here uses, else it picks a fresh one.
 */
import { randomUUID } from 'node:crypto';

/** The env request naming the session (Teleport's SessionEnvVar). */
export const SESSION_ENV_VAR = 'TELEPORT_SESSION';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The UUID in `value`, lowercased; undefined when it is not one (Teleport's session.ParseID). */
export function parseSessionId(value: string): string | undefined {
  return UUID_RE.test(value) ? value.toLowerCase() : undefined;
}

/**
 * The IDs of the sessions running on a node. `claim` hands out an ID for a new session: the one
 * requested when it is free, else a fresh UUID v4; `release` frees it when the session ends. Joining
 * a live session by its ID is not supported, so a requested ID in use is never shared (two
 * recordings would write one spool).
 */
export class LiveSessionIds {
  private readonly live = new Set<string>();

  /** Claims `requested` (a parsed UUID) when free, else a fresh ID; the caller releases it. */
  claim(requested?: string): string {
    let id = requested !== undefined && !this.live.has(requested) ? requested : randomUUID();
    while (this.live.has(id)) id = randomUUID();
    this.live.add(id);
    return id;
  }

  /** Frees `id`; a no-op when it is not live. */
  release(id: string): void {
    this.live.delete(id);
  }

  /** The live IDs (for listings). */
  list(): string[] {
    return [...this.live];
  }
}

/**
 * The registry used when a node passes none (SessionDeps.sessionIds): one per process. IDs are
 * UUIDs, so sharing it between nodes in one process changes nothing but refusing a deliberate reuse
 * of another node's live ID too.
 */
export const processSessionIds = new LiveSessionIds();
