/**
 * Audit events on the wire: the JSON shape of one event (Teleport's field names: `event`, `code`,
 * `time`, `uid`, `ei`, `cluster_name`, `user`, `sid`, `server_id`, `addr.remote`, ...), and the
 * bodies of the auth API's `POST /v1/events` (hosts emit) and `GET /v1/events/search` (users search).
 */

/** One audit event. Extra fields depend on the event type (see src/events/registry.ts). */
export interface AuditEvent {
  /** The event type, e.g. `user.login`. */
  event: string;
  /** The event code, e.g. `T1000I` (I = info, W = warning/failure, E = error). */
  code: string;
  /** When it happened, RFC 3339 with milliseconds in UTC. */
  time: string;
  /** A UUID naming this event. */
  uid: string;
  /** Index of the event within its session; 0 for events outside sessions. */
  ei: number;
  cluster_name?: string;
  user?: string;
  login?: string;
  sid?: string;
  server_id?: string;
  [field: string]: unknown;
}

/** An event as an emitter hands it over: uid, time and ei are filled in when missing. */
export type AuditEventInput = Omit<AuditEvent, 'uid' | 'time' | 'ei'> & { uid?: string; time?: string; ei?: number };

/** Result order of a search: by time, oldest first (`asc`, the default) or newest first. */
export type SearchOrder = 'asc' | 'desc';

/** Default and largest page of a search (Teleport's default and `EventsMaxIterationLimit`). */
export const DEFAULT_SEARCH_LIMIT = 500;
export const MAX_SEARCH_LIMIT = 10_000;

/** Most events one `POST /v1/events` may carry. */
export const MAX_EMIT_BATCH = 500;

/** What to search for. Every filter is optional; they combine with AND. */
export interface SearchEventsQuery {
  /** Inclusive lower bound, RFC 3339. */
  from?: string;
  /** Exclusive upper bound, RFC 3339. */
  to?: string;
  /** Any of these event types. */
  types?: string[];
  /** Events whose `user` is this user. */
  user?: string;
  /** Events of this session (`sid`). */
  sid?: string;
  /** Page size, 1..MAX_SEARCH_LIMIT (default DEFAULT_SEARCH_LIMIT). */
  limit?: number;
  order?: SearchOrder;
  /** The `startKey` of the previous page: continue after it. */
  startKey?: string;
}

/** One page of results. `startKey` is empty on the last page. */
export interface SearchEventsResponse {
  events: AuditEvent[];
  startKey: string;
}

/** Body of `POST /v1/events`. */
export interface EmitEventsRequest {
  events: AuditEventInput[];
}

/**
 * The query string of `GET /v1/events/search` for `q`: `from`, `to`, `event` (repeated), `user`,
 * `sid`, `limit`, `order`, `startKey`.
 */
export function searchQueryString(q: SearchEventsQuery): string {
  const p = new URLSearchParams();
  if (q.from) p.set('from', q.from);
  if (q.to) p.set('to', q.to);
  for (const t of q.types ?? []) p.append('event', t);
  if (q.user) p.set('user', q.user);
  if (q.sid) p.set('sid', q.sid);
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  if (q.order) p.set('order', q.order);
  if (q.startKey) p.set('startKey', q.startKey);
  const s = p.toString();
  return s ? `?${s}` : '';
}
