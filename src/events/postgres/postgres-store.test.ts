import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { BadParameterError, ConnectionProblemError } from '../../api/errors.js';
import { TEST_PG_CONN, pgQuery, testSchemas } from '../../backend/testing/pg-schemas.js';
import { parseQuery } from '../query.js';
import { runEventStoreSuite, testEvent } from '../testing/suite.js';
import { PostgresEventStore, type PostgresEventStoreOptions } from './postgres-store.js';

// The machine's PostgreSQL: a schema per store, dropped at the end.
const CONN = TEST_PG_CONN;
const schemas = testSchemas('evtest');
const freshSchema = schemas.fresh;
const open = (opts: Partial<PostgresEventStoreOptions> = {}): Promise<PostgresEventStore> =>
  PostgresEventStore.open({ connString: CONN, schema: freshSchema(), ...opts });

const sql = pgQuery;

afterAll(schemas.dropAll);

runEventStoreSuite('postgresql', async () => ({ store: await open(), cleanup: async () => {} }));

describe('postgresql event store specifics', () => {
  it('two auth servers on one database see each other\'s events; a rewrite changes nothing', async () => {
    const schema = freshSchema();
    const [a, b] = await Promise.all([open({ schema }), open({ schema })]);
    await a.write(testEvent(1, { user: 'from-a' }));
    await b.write(testEvent(2, { user: 'from-b' }));
    await b.write(testEvent(1, { user: 'from-a' }));
    for (const s of [a, b]) {
      expect((await s.search(parseQuery({}))).events.map((e) => e.user)).toEqual(['from-a', 'from-b']);
    }
    await a.close();
    await a.close();
    await expect(a.write(testEvent(3))).rejects.toBeInstanceOf(ConnectionProblemError);
    await b.close();
  });

  it('keeps the event as written, field order included, and keys on its millisecond', async () => {
    const s = await open();
    const e = { ...testEvent(5), zeta: 1, alpha: { nested: [1, 'two', null] } } as ReturnType<typeof testEvent>;
    await s.write({ ...e, time: '2026-03-01T10:05:00.000999Z' });
    const [got] = (await s.search(parseQuery({}))).events;
    expect(Object.keys(got)).toEqual(Object.keys(e));
    expect(got.time).toBe('2026-03-01T10:05:00.000999Z');
    const page = await s.search(parseQuery({ limit: 1 }));
    expect(page.startKey).toBe('');
    await s.close();
  });

  it('deletes events past the retention period, and only those', async () => {
    const schema = freshSchema();
    const s = await open({ schema, retentionMs: 60_000, disableCleanup: true });
    await s.write(testEvent(1));
    await s.write(testEvent(2));
    await sql(`UPDATE "${schema}".audit_events SET created = now() - interval '2 minutes' WHERE uid = 'uid-0001'`);
    expect(await s.cleanup()).toBe(1);
    expect((await s.search(parseQuery({}))).events.map((e) => e.uid)).toEqual(['uid-0002']);
    await s.close();
  });

  it('answers searches from its indexes', async () => {
    const schema = freshSchema();
    const s = await open({ schema });
    const values: string[] = [];
    for (let m = 0; m < 2000; m++) {
      const t = new Date(Date.UTC(2026, 0, 1) + m * 1000).toISOString();
      values.push(`('${t}', 'u${m}', '${m % 10 ? 'exec' : 'user.login'}', 'user${m % 50}', 'sid${m % 100}', '{}')`);
    }
    await sql(`INSERT INTO "${schema}".audit_events (event_time, uid, event_type, event_user, session_id, data) VALUES ${values.join(',')}; ANALYZE "${schema}".audit_events`);
    const plan = async (where: string): Promise<string> =>
      (await sqlRows(`EXPLAIN SELECT data FROM "${schema}".audit_events WHERE ${where} ORDER BY event_time, uid LIMIT 11`)).join('\n');
    expect(await plan(`event_user = 'user7' AND event_time >= '2026-01-01' AND event_time < 'infinity'`)).toMatch(/audit_events_user_idx/);
    expect(await plan(`session_id = 'sid7' AND event_time >= '-infinity' AND event_time < 'infinity'`)).toMatch(/audit_events_session_idx/);
    expect(await plan(`event_type = 'user.login' AND event_time >= '2026-01-01' AND event_time < '2026-01-02'`)).toMatch(/audit_events_type_idx/);
    await s.close();
  });

  it('refuses a database it cannot reach, naming it without the password', async () => {
    const err = await PostgresEventStore.open({ connString: 'postgresql://u:secret@127.0.0.1:1/x', connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionProblemError);
    expect((err as Error).message).toContain('127.0.0.1:1');
    expect((err as Error).message).not.toContain('secret');
  });

  it('creates its database on first start, as Teleport does', async () => {
    const db = `${schemas.run}_db`;
    const url = new URL(CONN);
    url.pathname = `/${db}`;
    try {
      const s = await PostgresEventStore.open({ connString: url.toString() });
      await s.write(testEvent(1));
      expect((await s.search(parseQuery({}))).events).toHaveLength(1);
      await s.close();
    } finally {
      await sql(`DROP DATABASE IF EXISTS "${db}"`);
    }
  });

  it('refuses a table of a newer schema', async () => {
    const schema = freshSchema();
    await (await open({ schema })).close();
    await sql(`UPDATE "${schema}".audit_events_meta SET value = 99 WHERE name = 'schema_version'`);
    await expect(open({ schema })).rejects.toBeInstanceOf(BadParameterError);
  });
});

async function sqlRows(text: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: CONN });
  await c.connect();
  try {
    // Small table: make the planner show which index it would use rather than a sequential scan.
    await c.query('SET enable_seqscan = off');
    return (await c.query<{ 'QUERY PLAN': string }>(text)).rows.map((r) => r['QUERY PLAN']);
  } finally {
    await c.end();
  }
}
