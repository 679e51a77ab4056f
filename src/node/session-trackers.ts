/**
 * The node's live-session trackers: when a session starts the node reports a `session_tracker` to
 * auth through its access point, refreshes it every 30 s with a 90 s expiry (so a node that dies
 * leaves no ghost for long), and deletes it when the session ends. Failures are logged, never fatal:
 * the session runs whether or not it is listed.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../api/clock.js';
import type { SessionTracker } from '../api/types/index.js';
import type { Logger } from '../log/index.js';
import type { NodeAccessPoint } from './access-point.js';
import type { SessionEvent, SessionStartEvent } from './session-events.js';
import type { Ticker } from './ticker.js';

/** How often a live tracker is written again. */
export const TRACKER_REFRESH_MS = 30_000;
/** How long each write keeps the tracker listed. */
export const TRACKER_TTL_MS = 90_000;

/** What the registry needs. */
export interface NodeSessionTrackersOptions {
  access: Pick<NodeAccessPoint, 'clusterName' | 'upsertSessionTracker' | 'deleteSessionTracker'>;
  hostId: string;
  hostname: string;
  /** The node's advertised `host:port`. */
  address: () => string;
  clock: Clock;
  ticker: Pick<Ticker, 'add'>;
  logger: Logger;
}

/** Each live session's tracker on this node; fed the node's session events. */
export class NodeSessionTrackers {
  private readonly live = new Map<string, { tracker: SessionTracker; writtenAt: number }>();
  private removeCheck: (() => void) | undefined;
  private readonly pending = new Set<Promise<void>>();
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly opts: NodeSessionTrackersOptions) {}

  /** The trackers of the sessions live now. */
  list(): SessionTracker[] {
    return [...this.live.values()].map((l) => l.tracker);
  }

  /** Starts tracking on `session.start`, adds and removes joined participants, stops on `session.end`. Never throws. */
  onEvent(e: SessionEvent): void {
    const { access } = this.opts;
    if (!access.upsertSessionTracker) return;
    if (e.type === 'session.join' || e.type === 'session.leave') {
      const l = this.live.get(e.sessionId);
      if (!l) return;
      const now = new Date(e.time).toISOString();
      const others = l.tracker.spec.participants.filter((p) => p.id !== e.participantId);
      l.tracker.spec.participants = e.type === 'session.join' ? [...others, { id: e.participantId, user: e.user, mode: e.mode, last_active: now }] : others;
      l.writtenAt = e.time;
      const tracker = structuredClone(l.tracker);
      this.run('session tracker participant update failed', () => access.upsertSessionTracker!(tracker, TRACKER_TTL_MS), e.sessionId);
      return;
    }
    if (e.type === 'session.start') {
      const tracker = this.trackerOf(e);
      this.live.set(e.sessionId, { tracker, writtenAt: this.opts.clock.now() });
      this.removeCheck ??= this.opts.ticker.add(() => this.refresh());
      this.run('session tracker upsert failed', () => access.upsertSessionTracker!(tracker, TRACKER_TTL_MS), e.sessionId);
    } else if (this.live.delete(e.sessionId)) {
      if (this.live.size === 0) {
        this.removeCheck?.();
        this.removeCheck = undefined;
      }
      if (access.deleteSessionTracker) this.run('session tracker delete failed', () => access.deleteSessionTracker!(e.sessionId), e.sessionId);
    }
  }

  /** Resolves when every write started so far has settled (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Writes again every tracker last written TRACKER_REFRESH_MS ago or more (a ticker check). */
  refresh(): void {
    const now = this.opts.clock.now();
    for (const [id, l] of this.live) {
      if (now - l.writtenAt < TRACKER_REFRESH_MS) continue;
      l.writtenAt = now;
      l.tracker.spec.participants = l.tracker.spec.participants.map((p) => ({ ...p, last_active: new Date(now).toISOString() }));
      this.run('session tracker refresh failed', () => this.opts.access.upsertSessionTracker!(l.tracker, TRACKER_TTL_MS), id);
    }
  }

  private trackerOf(e: SessionStartEvent): SessionTracker {
    const o = this.opts;
    const created = new Date(e.time).toISOString();
    return {
      kind: 'session_tracker',
      version: 'v1',
      metadata: { name: e.sessionId },
      spec: {
        session_id: e.sessionId,
        kind: 'ssh',
        state: 'running',
        created,
        expires: new Date(e.time + TRACKER_TTL_MS).toISOString(),
        cluster_name: o.access.clusterName,
        host_id: o.hostId,
        hostname: o.hostname,
        address: o.address(),
        login: e.login,
        participants: [{ id: randomUUID(), user: e.user, mode: 'peer', last_active: created }],
        ...(e.hostPolicies && { host_policies: e.hostPolicies }),
        ...(e.kind !== 'shell' && e.command !== undefined && { command: e.command }),
      },
    };
  }

  /** Runs `write` after the session's previous write, so a delete never overtakes its upsert. */
  private run(message: string, write: () => Promise<void>, sessionId: string): void {
    const prev = this.chains.get(sessionId) ?? Promise.resolve();
    const p: Promise<void> = prev
      .then(write)
      .catch((err: unknown) => this.opts.logger.warn({ err: (err as Error).message, session_id: sessionId }, message))
      .finally(() => {
        this.pending.delete(p);
        if (this.chains.get(sessionId) === p) this.chains.delete(sessionId);
      });
    this.pending.add(p);
    this.chains.set(sessionId, p);
  }
}
