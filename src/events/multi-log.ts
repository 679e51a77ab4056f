/**
 * The audit log of an auth server: every event goes to every configured sink, searches go to the
 * first sink that can answer them (Teleport's MultiLog). Emitting never throws: a failing sink is
 * logged and the others still get the event.
 */
import type { AuditEventInput, SearchEventsQuery, SearchEventsResponse } from '../api/audit-wire.js';
import type { Clock } from '../api/clock.js';
import { NotImplementedError } from '../api/errors.js';
import type { Logger } from '../log/index.js';
import { isEventStore, type AuditEmitter, type EventSink, type EventStore } from './audit-log.js';
import { completeEvent } from './event.js';
import { parseQuery } from './query.js';

/** What an AuditLog is made of. */
export interface AuditLogOptions {
  /** In `audit_events_uri` order. */
  sinks: EventSink[];
  clock: Clock;
  logger: Logger;
}

/** Fan-out to sinks plus search. `close()` closes every sink and is safe to call twice. */
export class AuditLog implements AuditEmitter {
  private readonly store?: EventStore;
  private closed = false;

  constructor(private readonly opts: AuditLogOptions) {
    this.store = opts.sinks.find(isEventStore);
  }

  /** The sinks' URIs, in order (for the start banner and logs). */
  get uris(): string[] {
    return this.opts.sinks.map((s) => s.uri);
  }

  emit(input: AuditEventInput): Promise<void> {
    if (this.closed) {
      this.opts.logger.warn({ event: input.event, code: input.code }, 'audit event emitted after the audit log closed: dropped');
      return Promise.resolve();
    }
    const event = completeEvent(input, this.opts.clock);
    const pending: Promise<void>[] = [];
    for (const sink of this.opts.sinks) {
      const failed = (err: unknown) =>
        this.opts.logger.error({ err: (err as Error)?.message ?? String(err), sink: sink.uri, event: event.event, uid: event.uid }, 'failed to write an audit event');
      try {
        const r = sink.write(event);
        if (r) pending.push(r.catch(failed));
      } catch (err) {
        failed(err);
      }
    }
    return pending.length === 0 ? Promise.resolve() : Promise.all(pending).then(() => undefined);
  }

  /**
   * One page of events from the first searchable sink. Throws BadParameterError for a bad query,
   * NotImplementedError when no configured sink can be searched.
   */
  async search(q: SearchEventsQuery): Promise<SearchEventsResponse> {
    const query = parseQuery(q);
    if (!this.store) {
      throw new NotImplementedError(`none of the audit_events_uri sinks (${this.uris.join(', ')}) can be searched: add file:// or the cluster database`);
    }
    return this.store.search(query);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.opts.sinks) {
      await s.close().catch((err: unknown) => this.opts.logger.warn({ err: (err as Error).message, sink: s.uri }, 'closing an audit sink failed'));
    }
  }
}
