/**
 * The conformance suite every searchable event store passes (memory, SQLite, file, PostgreSQL,
 * DynamoDB): filters by time range, type, user and session, limits, both orders, paging with
 * `startKey` until the end, ties in time broken by uid, and bad cursors refused. Each store's test calls `runEventStoreSuite`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent, SearchEventsQuery } from '../../api/audit-wire.js';
import { BadParameterError } from '../../api/errors.js';
import type { EventStore } from '../audit-log.js';
import { parseQuery } from '../query.js';

/** A fresh store and how to dispose of it. */
export type StoreFactory = () => Promise<{ store: EventStore; cleanup(): Promise<void> }>;

const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);
const MIN = 60_000;

/** Builds a test event at minute `m` after T0. */
export function testEvent(m: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    event: 'user.login',
    code: 'T1000I',
    time: new Date(T0 + m * MIN).toISOString(),
    uid: `uid-${String(m).padStart(4, '0')}`,
    ei: 0,
    user: 'alice',
    ...over,
  };
}

/** A mixed set: 40 events over 40 minutes, three users, three types, two sessions. */
function fixture(): AuditEvent[] {
  const out: AuditEvent[] = [];
  for (let m = 0; m < 40; m++) {
    const user = ['alice', 'bob', 'carol'][m % 3];
    const kind = m % 4;
    const base = { user, uid: `uid-${String(m).padStart(4, '0')}` };
    if (kind === 0) out.push(testEvent(m, { ...base, event: 'user.login', code: 'T1000I' }));
    else if (kind === 1) out.push(testEvent(m, { ...base, event: 'session.start', code: 'T2000I', sid: m < 20 ? 'sid-a' : 'sid-b' }));
    else if (kind === 2) out.push(testEvent(m, { ...base, event: 'exec', code: 'T3002I', sid: m < 20 ? 'sid-a' : 'sid-b', command: `cmd ${m}` }));
    else out.push(testEvent(m, { ...base, event: 'role.created', code: 'T9000I', name: `role-${m}` }));
  }
  return out;
}

/** Registers the suite for `name`. */
export function runEventStoreSuite(name: string, make: StoreFactory): void {
  describe(`event store conformance: ${name}`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;
    const all = fixture();
    const search = async (q: SearchEventsQuery) => store.search(parseQuery(q));
    const uids = (events: AuditEvent[]) => events.map((e) => e.uid);
    const iso = (m: number) => new Date(T0 + m * MIN).toISOString();

    beforeEach(async () => {
      ({ store, cleanup } = await make());
      // Written out of order: stores must order by time themselves.
      for (const e of [...all].reverse()) await store.write(e);
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it('returns everything in ascending time order by default, with the fields as written', async () => {
      const page = await search({});
      expect(uids(page.events)).toEqual(uids(all));
      expect(page.startKey).toBe('');
      expect(page.events[2]).toEqual(all[2]);
    });

    it('orders descending on request', async () => {
      const page = await search({ order: 'desc' });
      expect(uids(page.events)).toEqual(uids(all).reverse());
    });

    it('filters by time range: from inclusive, to exclusive', async () => {
      const page = await search({ from: iso(10), to: iso(15) });
      expect(uids(page.events)).toEqual(['uid-0010', 'uid-0011', 'uid-0012', 'uid-0013', 'uid-0014']);
    });

    it('filters by one or several event types', async () => {
      const one = await search({ types: ['role.created'] });
      expect(one.events.every((e) => e.event === 'role.created')).toBe(true);
      expect(one.events).toHaveLength(10);
      const two = await search({ types: ['exec', 'user.login'], from: iso(0), to: iso(9) });
      expect(uids(two.events)).toEqual(['uid-0000', 'uid-0002', 'uid-0004', 'uid-0006', 'uid-0008']);
    });

    it('filters by user, with a time range and types together', async () => {
      const page = await search({ user: 'bob', from: iso(10), to: iso(30) });
      expect(page.events.every((e) => e.user === 'bob')).toBe(true);
      expect(uids(page.events)).toEqual(uids(all.filter((e, m) => m >= 10 && m < 30 && e.user === 'bob')));
      const typed = await search({ user: 'alice', types: ['session.start'] });
      expect(uids(typed.events)).toEqual(uids(all.filter((e) => e.user === 'alice' && e.event === 'session.start')));
    });

    it('filters by session ID', async () => {
      const page = await search({ sid: 'sid-b', order: 'desc' });
      expect(uids(page.events)).toEqual(uids(all.filter((e) => e.sid === 'sid-b')).reverse());
      expect(page.events.length).toBeGreaterThan(0);
    });

    it('pages with startKey to the end, in both orders, without gaps or repeats', async () => {
      for (const order of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        let startKey = '';
        let pages = 0;
        do {
          const page = await search({ limit: 7, order, startKey });
          expect(page.events.length).toBeLessThanOrEqual(7);
          seen.push(...uids(page.events));
          startKey = page.startKey;
          pages++;
        } while (startKey !== '' && pages < 20);
        expect(pages).toBe(6);
        expect(seen).toEqual(order === 'asc' ? uids(all) : uids(all).reverse());
      }
    });

    it('pages through filtered results (types over several indexes)', async () => {
      const q = { types: ['exec', 'session.start'], limit: 4 };
      const first = await search(q);
      const second = await search({ ...q, startKey: first.startKey });
      const expected = uids(all.filter((e) => e.event === 'exec' || e.event === 'session.start'));
      expect([...uids(first.events), ...uids(second.events)]).toEqual(expected.slice(0, 8));
    });

    it('breaks ties in time by uid and pages through them', async () => {
      const same = ['z-3', 'z-1', 'z-2'].map((uid) => testEvent(100, { uid, user: 'tie' }));
      for (const e of same) await store.write(e);
      const a = await search({ user: 'tie', limit: 2 });
      expect(uids(a.events)).toEqual(['z-1', 'z-2']);
      const b = await search({ user: 'tie', limit: 2, startKey: a.startKey });
      expect(uids(b.events)).toEqual(['z-3']);
      expect(b.startKey).toBe('');
    });

    it('gives an empty last page no cursor when the page is exactly full', async () => {
      const page = await search({ types: ['role.created'], limit: 10 });
      expect(page.events).toHaveLength(10);
      expect(page.startKey).toBe('');
    });

    it('refuses a cursor that is not one of its own', async () => {
      await expect(search({ startKey: 'not-a-cursor' })).rejects.toBeInstanceOf(BadParameterError);
    });
  });
}
