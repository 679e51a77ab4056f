/**
 * The auth API's audit routes. `POST /v1/events`: hosts (nodes, proxies) in other processes record
 * events; each is checked against the registry, stamped with this cluster's name and refused when it
 * names another server than the calling host. `GET /v1/events/search`: users with `list` and `read`
 * on `event` search the audit log.
 */
import { MAX_EMIT_BATCH, type AuditEventInput, type SearchEventsResponse } from '../api/audit-wire.js';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import { checkIncomingEvent, queryFromParams, type AuditLog } from '../events/index.js';
import type { Caller } from './caller.js';
import { authorize, isAdmin } from './caller.js';

/** What the handlers need from the auth service. */
export interface AuditAPIContext {
  auditLog: AuditLog;
  clusterName: string;
}

/**
 * Records a batch from a host. AccessDeniedError for users and for events naming another server_id
 * than the caller's host UUID; BadParameterError for a malformed batch or an unregistered event.
 * All or nothing: one bad event refuses the batch. Resolves once every sink has the events.
 */
export async function emitHostEvents(ctx: AuditAPIContext, caller: Caller, body: unknown): Promise<{ count: number }> {
  if (!caller.systemRole) throw new AccessDeniedError('only cluster hosts may record audit events');
  const list = (body as { events?: unknown } | undefined)?.events;
  if (!Array.isArray(list) || list.length === 0) throw new BadParameterError('expected {"events": [...]} with at least one event');
  if (list.length > MAX_EMIT_BATCH) throw new BadParameterError(`at most ${MAX_EMIT_BATCH} events per request, got ${list.length}`);
  const hostId = caller.hostId ?? '';
  const admin = isAdmin(caller);
  const events: AuditEventInput[] = list.map((raw) => {
    const ev = checkIncomingEvent(raw);
    // A host's events are its own: one naming no server is stamped with the caller's host UUID.
    const stamped = { ...ev, ...(!admin && ev.server_id === undefined && { server_id: hostId }), cluster_name: ctx.clusterName };
    try {
      authorize(caller, 'event', 'create', stamped);
    } catch (err) {
      if (!(err instanceof AccessDeniedError) || ev.server_id === undefined) throw err;
      throw new AccessDeniedError(`host ${hostId} may not record events for server ${String(ev.server_id)}`, { cause: err });
    }
    return stamped;
  });
  await Promise.all(events.map((e) => ctx.auditLog.emit(e)));
  return { count: events.length };
}

/** One page of events for a caller allowed to list and read `event`. BadParameterError for a bad query. */
export async function searchEvents(ctx: AuditAPIContext, caller: Caller, params: URLSearchParams): Promise<SearchEventsResponse> {
  authorize(caller, 'event', 'list');
  authorize(caller, 'event', 'read');
  return ctx.auditLog.search(queryFromParams(params));
}
