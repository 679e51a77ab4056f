/**
 * Search queries: the wire query validated into an `EventQuery` once at the edge, the filter every
 * store without indexes applies, the (time, uid) order, and the opaque `startKey` cursor.
 */
import {
  DEFAULT_SEARCH_LIMIT,
  MAX_SEARCH_LIMIT,
  type AuditEvent,
  type SearchEventsQuery,
  type SearchOrder,
} from '../api/audit-wire.js';
import { BadParameterError } from '../api/errors.js';

/** A position in the (time, uid) order. */
export interface EventKey {
  timeMs: number;
  uid: string;
}

/** A validated search. */
export interface EventQuery {
  /** Inclusive, epoch ms (-Infinity: no bound). */
  fromMs: number;
  /** Exclusive, epoch ms (Infinity: no bound). */
  toMs: number;
  /** Any of these types; empty for all. */
  types: string[];
  user?: string;
  sid?: string;
  limit: number;
  order: SearchOrder;
  /** Continue strictly after this key (in `order`). */
  after?: EventKey;
}

function parseTime(name: string, value: string | undefined, unbounded: number): number {
  if (value === undefined || value === '') return unbounded;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new BadParameterError(`"${name}" must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got "${value}"`);
  return t;
}

/** Validates a wire query. Throws BadParameterError for bad times, limits, orders or cursors. */
export function parseQuery(q: SearchEventsQuery): EventQuery {
  const fromMs = parseTime('from', q.from, -Infinity);
  const toMs = parseTime('to', q.to, Infinity);
  if (fromMs > toMs) throw new BadParameterError('"from" must not be after "to"');
  const limit = q.limit ?? DEFAULT_SEARCH_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    throw new BadParameterError(`"limit" must be an integer between 1 and ${MAX_SEARCH_LIMIT}, got ${String(q.limit)}`);
  }
  const order = q.order ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw new BadParameterError(`"order" must be asc or desc, got "${String(order)}"`);
  const types = [...new Set((q.types ?? []).filter((t) => t !== ''))];
  return {
    fromMs,
    toMs,
    types,
    ...(q.user && { user: q.user }),
    ...(q.sid && { sid: q.sid }),
    limit,
    order,
    ...(q.startKey && { after: decodeStartKey(q.startKey) }),
  };
}

/** The wire query from `GET /v1/events/search` parameters (`event` may repeat or hold a comma list). */
export function queryFromParams(p: URLSearchParams): SearchEventsQuery {
  const types = [...p.getAll('event'), ...p.getAll('include')].flatMap((t) => t.split(/[,;]/)).filter((t) => t !== '');
  const limit = p.get('limit');
  return {
    ...(p.get('from') && { from: p.get('from')! }),
    ...(p.get('to') && { to: p.get('to')! }),
    ...(types.length > 0 && { types }),
    ...(p.get('user') && { user: p.get('user')! }),
    ...(p.get('sid') && { sid: p.get('sid')! }),
    ...(limit !== null && limit !== '' && { limit: /^\d+$/.test(limit) ? Number(limit) : NaN }),
    ...(p.get('order') && { order: p.get('order') as SearchEventsQuery['order'] }),
    ...(p.get('startKey') && { startKey: p.get('startKey')! }),
  };
}

/** Compares two keys in ascending order. */
export function compareKeys(a: EventKey, b: EventKey): number {
  if (a.timeMs !== b.timeMs) return a.timeMs < b.timeMs ? -1 : 1;
  return a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
}

/** The key of an event. */
export function keyOf(e: AuditEvent): EventKey {
  return { timeMs: Date.parse(e.time), uid: e.uid };
}

/** True when `e` passes the query's filters (time range, types, user, session) and lies after its cursor. */
export function matchesQuery(q: EventQuery, e: AuditEvent): boolean {
  const k = keyOf(e);
  if (!(k.timeMs >= q.fromMs && k.timeMs < q.toMs)) return false;
  if (q.types.length > 0 && !q.types.includes(e.event)) return false;
  if (q.user !== undefined && e.user !== q.user) return false;
  if (q.sid !== undefined && e.sid !== q.sid) return false;
  if (q.after) {
    const c = compareKeys(k, q.after);
    if (q.order === 'asc' ? c <= 0 : c >= 0) return false;
  }
  return true;
}

/** The cursor naming `key`: base64url of `[timeMs, uid]`. */
export function encodeStartKey(key: EventKey): string {
  return Buffer.from(JSON.stringify([key.timeMs, key.uid])).toString('base64url');
}

/** Parses a cursor; BadParameterError when it is not one of ours. */
export function decodeStartKey(s: string): EventKey {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') return { timeMs: v[0] as number, uid: v[1] };
  } catch {
    // Reported below.
  }
  throw new BadParameterError('"startKey" is not a cursor returned by a previous search');
}

/**
 * One page from events already filtered and sorted in the query's order, fetched with one extra
 * event to tell whether more follow.
 */
export function pageOf(sortedPlusOne: AuditEvent[], limit: number): { events: AuditEvent[]; startKey: string } {
  if (sortedPlusOne.length <= limit) return { events: sortedPlusOne, startKey: '' };
  const events = sortedPlusOne.slice(0, limit);
  return { events, startKey: encodeStartKey(keyOf(events[events.length - 1])) };
}
