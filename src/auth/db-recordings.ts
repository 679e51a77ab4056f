/**
 * Database sessions as recordings (Teleport v14+): a database session's recording is its audit
 * events, found by the session ID that `db.session.start` carries, and the recordings list shows
 * each ended session from its `db.session.end` (Type = the protocol, Hostname = the database name,
 * as `tsh recordings ls` prints them). Read from the cluster's audit log search.
 */
import type { AuditEvent, SearchEventsQuery, SearchEventsResponse } from '../api/audit-wire.js';
import { MAX_SEARCH_LIMIT } from '../api/audit-wire.js';
import { LimitExceededError } from '../api/errors.js';
import type { RecordingEvent, RecordingSummary } from '../api/recording-wire.js';

/** The audit log search this needs. */
export interface EventSearcher {
  search(q: SearchEventsQuery): Promise<SearchEventsResponse>;
}

/** Most events one database session's playback reads (kept in memory to order them). */
export const MAX_DB_SESSION_EVENTS = 200_000;

/** Most ended database sessions one listing reads. */
const MAX_LISTED = 10_000;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The summary of an ended database session, from its `db.session.end`. */
export function databaseRecordingSummary(e: AuditEvent): RecordingSummary {
  const stop = str(e.session_stop) || e.time;
  return {
    sid: str(e.sid),
    proto: str(e.db_protocol) || 'db',
    participants: [str(e.user)],
    user: str(e.user),
    login: str(e.db_user),
    cluster_name: str(e.cluster_name),
    server_id: str(e.server_id),
    server_hostname: str(e.db_name),
    session_start: str(e.session_start) || stop,
    session_stop: stop,
    interactive: false,
    db_service: str(e.db_service),
  };
}

/** Ended database sessions whose end lies in [fromMs, toMs], oldest first. */
export async function listDatabaseRecordings(log: EventSearcher, fromMs: number, toMs: number): Promise<RecordingSummary[]> {
  const out: RecordingSummary[] = [];
  let startKey = '';
  do {
    const page = await log.search({
      from: new Date(fromMs).toISOString(),
      // The search's upper bound is exclusive; the recordings list's is inclusive.
      to: new Date(toMs + 1).toISOString(),
      types: ['db.session.end'],
      limit: Math.min(MAX_SEARCH_LIMIT, MAX_LISTED - out.length),
      order: 'asc',
      ...(startKey && { startKey }),
    });
    for (const e of page.events) if (typeof e.sid === 'string' && e.sid !== '') out.push(databaseRecordingSummary(e));
    startKey = page.startKey;
  } while (startKey !== '' && out.length < MAX_LISTED);
  return out;
}

/**
 * The events of database session `sid` in the session's order (`ei`), the start first; undefined
 * when the audit log has no `db.session.start` for it. Each event carries `ms` since the start.
 * LimitExceededError past MAX_DB_SESSION_EVENTS.
 */
export async function databaseSessionEvents(log: EventSearcher, sid: string): Promise<RecordingEvent[] | undefined> {
  const events: AuditEvent[] = [];
  let startKey = '';
  do {
    const page = await log.search({ sid, limit: MAX_SEARCH_LIMIT, order: 'asc', ...(startKey && { startKey }) });
    for (const e of page.events) if (e.event.startsWith('db.session.')) events.push(e);
    if (events.length > MAX_DB_SESSION_EVENTS) throw new LimitExceededError(`database session ${sid} has more than ${MAX_DB_SESSION_EVENTS} events to play`);
    startKey = page.startKey;
  } while (startKey !== '');
  const start = events.find((e) => e.event === 'db.session.start' && e.code === 'TDB00I');
  if (!start) return undefined;
  // Events of one session go out in batches from one emitter: `ei` orders them, time breaks ties.
  events.sort((a, b) => (a.ei ?? 0) - (b.ei ?? 0) || Date.parse(a.time) - Date.parse(b.time));
  const startMs = Date.parse(start.time);
  const first = events.indexOf(start);
  return [start, ...events.filter((_, i) => i !== first)].map((e) => ({ ...e, ms: Math.max(0, Date.parse(e.time) - startMs) }) as RecordingEvent);
}
