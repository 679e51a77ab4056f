import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BadParameterError } from '../../api/errors.js';
import { parseQuery } from '../query.js';
import { runEventStoreSuite, testEvent } from '../testing/suite.js';
import { SqliteEventStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `db-${++n}`, 'events.db');

runEventStoreSuite('sqlite (file)', async () => ({ store: SqliteEventStore.open({ path: fresh() }), cleanup: async () => {} }));
runEventStoreSuite('sqlite (:memory:)', async () => ({ store: SqliteEventStore.open({ path: ':memory:' }), cleanup: async () => {} }));

describe('sqlite event store specifics', () => {
  it('keeps events across close and reopen, and ignores an event written twice', async () => {
    const path = fresh();
    const a = SqliteEventStore.open({ path });
    await a.write(testEvent(1));
    await a.write(testEvent(1));
    await a.writeMany([testEvent(2), testEvent(3)]);
    await a.close();
    await a.close();
    const b = SqliteEventStore.open({ path });
    expect(b.count()).toBe(3);
    expect((await b.search(parseQuery({}))).events.map((e) => e.uid)).toEqual(['uid-0001', 'uid-0002', 'uid-0003']);
    await b.close();
  });

  it('answers every search shape from an index, and the scan baseline agrees', async () => {
    const s = SqliteEventStore.open({ path: ':memory:' });
    for (let m = 0; m < 50; m++) await s.write(testEvent(m, { user: m % 2 ? 'a' : 'b', sid: `s${m % 5}`, ...(m % 3 ? {} : { event: 'exec', code: 'T3002I' }) }));
    for (const q of [{}, { user: 'a' }, { sid: 's1' }, { types: ['exec'] }, { types: ['exec', 'user.login'] }, { user: 'b', types: ['exec'], limit: 3 }]) {
      const parsed = parseQuery(q);
      const page = await s.search(parsed);
      expect(page.events.map((e) => e.uid)).toEqual(s.scanSearch(parsed).slice(0, parsed.limit).map((e) => e.uid));
    }
    await s.close();
  });

  it('refuses a file that is not a database, naming it', () => {
    const path = join(dir, 'garbage.db');
    writeFileSync(path, 'this is not sqlite'.repeat(100));
    expect(() => SqliteEventStore.open({ path })).toThrow(BadParameterError);
    expect(() => SqliteEventStore.open({ path })).toThrow(/garbage\.db/);
  });
});
