/**
 * An in-memory event store: the default of an auth server built without an audit log (tests), and
 * the reference the conformance suite is written against. Events are kept sorted by (time, uid); an
 * event whose key is already stored is ignored.
 */
import type { AuditEvent, SearchEventsResponse } from '../../api/audit-wire.js';
import type { EventStore } from '../audit-log.js';
import { compareKeys, keyOf, matchesQuery, pageOf, type EventKey, type EventQuery } from '../query.js';

/** Events in memory, sorted; searchable. */
export class MemoryEventStore implements EventStore {
  readonly uri = 'memory://';
  private readonly events: AuditEvent[] = [];
  private readonly keys: EventKey[] = [];

  write(event: AuditEvent): void {
    const key = keyOf(event);
    const i = this.lowerBound(key);
    if (i < this.keys.length && compareKeys(this.keys[i], key) === 0) return;
    this.events.splice(i, 0, structuredClone(event));
    this.keys.splice(i, 0, key);
  }

  search(q: EventQuery): Promise<SearchEventsResponse> {
    const out: AuditEvent[] = [];
    const n = this.events.length;
    for (let j = 0; j < n && out.length <= q.limit; j++) {
      const e = this.events[q.order === 'asc' ? j : n - 1 - j];
      if (matchesQuery(q, e)) out.push(structuredClone(e));
    }
    return Promise.resolve(pageOf(out, q.limit));
  }

  /** How many events are stored. */
  get size(): number {
    return this.events.length;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private lowerBound(key: EventKey): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.keys[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
