/**
 * The audit log's seams: an `AuditEmitter` is what components record events through (it never
 * throws and never blocks the action it records for long); an `EventSink` is one destination of
 * `audit_events_uri`; an `EventStore` is a sink that can also be searched.
 */
import type { AuditEvent, AuditEventInput, SearchEventsResponse } from '../api/audit-wire.js';
import type { EventQuery } from './query.js';

/**
 * Records events. `emit` completes the event (uid, time, index) and hands it on; the promise
 * settles when every destination has it and never rejects (failures are logged): callers may
 * `void` it. The cluster database and file:// write the events of a 20 ms window together
 * (write-batch.ts), and flush before any search: a search after `emit` returns finds the event.
 */
export interface AuditEmitter {
  emit(event: AuditEventInput): Promise<void>;
}

/** One destination of events. `write` may throw or reject; the AuditLog logs and goes on. */
export interface EventSink {
  /** For logs: `file:///var/lib/teleport/log`, `stdout://`, `sqlite://...`. */
  readonly uri: string;
  write(event: AuditEvent): void | Promise<void>;
  /** Flushes and releases; safe to call twice. */
  close(): Promise<void>;
}

/**
 * A sink that answers searches. Results are ordered by (time, uid) in `q.order`; a page holds at
 * most `q.limit` events and a `startKey` to continue after its last event ('' when there is no more).
 */
export interface EventStore extends EventSink {
  search(q: EventQuery): Promise<SearchEventsResponse>;
}

/** True when `sink` can be searched. */
export function isEventStore(sink: EventSink): sink is EventStore {
  return typeof (sink as Partial<EventStore>).search === 'function';
}
