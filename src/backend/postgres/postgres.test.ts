import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { BadParameterError, ConnectionProblemError } from '../../api/errors.js';
import { rangeEnd } from '../backend.js';
import { runBackendSuite } from '../testing/suite.js';
import { runSharedBackendSuite } from '../testing/suite-shared.js';
import { TEST_PG_CONN, testSchemas } from '../testing/pg-schemas.js';
import { WatchReader } from '../testing/watch-reader.js';
import { PostgresBackend } from './postgres.js';
import type { PostgresBackendOptions } from './postgres.js';
import { FEED_APPLICATION_NAME } from './change-feed.js';
import { quoteIdent } from './schema.js';

// The machine's PostgreSQL: every backend gets a schema of its own, dropped at the end.
const CONN = TEST_PG_CONN;
const schemas = testSchemas('kvtest');
const freshSchema = schemas.fresh;

const open = (opts: Partial<PostgresBackendOptions> = {}): Promise<PostgresBackend> =>
  PostgresBackend.open({ connString: CONN, schema: freshSchema(), sweepIntervalMs: 10, ...opts });

afterAll(schemas.dropAll);

runBackendSuite('postgresql backend', async (clock) => open({ clock }));
runSharedBackendSuite('postgresql backend, two instances on one database', async (clock) => {
  const schema = freshSchema();
  return Promise.all([open({ schema, clock }), open({ schema, clock })]);
});

describe('postgresql backend specifics', () => {
  it('keeps data and revisions across close and reopen', async () => {
    const schema = freshSchema();
    const a = await PostgresBackend.open({ connString: CONN, schema });
    const lease = await a.put({ key: '/p/a', value: 'alpha' });
    await a.close();
    const b = await PostgresBackend.open({ connString: CONN, schema });
    expect(await b.get('/p/a')).toMatchObject({ value: 'alpha', revision: lease.revision });
    const later = await b.put({ key: '/p/b', value: 'beta' });
    expect(BigInt(later.revision)).toBeGreaterThan(BigInt(lease.revision));
    expect((await b.getRange('/p/', rangeEnd('/p/'))).map((i) => i.value)).toEqual(['alpha', 'beta']);
    await b.close();
  });

  it('the watch feed survives a lost connection without losing events', async () => {
    const schema = freshSchema();
    const b = await PostgresBackend.open({ connString: CONN, schema, changeFeedPollIntervalMs: 50 });
    const w = new WatchReader(b.watch({ prefixes: ['/r/'] }));
    expect(await w.next()).toEqual({ type: 'init' });
    const admin = new pg.Client({ connectionString: CONN });
    await admin.connect();
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND strpos(query, $2) > 0`,
      [FEED_APPLICATION_NAME, quoteIdent(schema)],
    );
    expect(killed.rows).toHaveLength(1);
    await admin.end();
    const other = await PostgresBackend.open({ connString: CONN, schema });
    await other.put({ key: '/r/1', value: 'while reconnecting' });
    await other.put({ key: '/r/2', value: 'after' });
    expect(await w.next(8000)).toMatchObject({ type: 'put', item: { key: '/r/1' } });
    expect(await w.next()).toMatchObject({ type: 'put', item: { key: '/r/2' } });
    expect(w.watcher.error).toBeUndefined();
    await Promise.all([b.close(), other.close()]);
  });

  it('watchers restart (error set) when the change log was pruned past them', async () => {
    const schema = freshSchema();
    const b = await open({ schema, changeFeedPollIntervalMs: 50 });
    const w = new WatchReader(b.watch({ prefixes: [] }));
    expect(await w.next()).toEqual({ type: 'init' });
    const admin = new pg.Client({ connectionString: CONN });
    await admin.connect();
    // As if 100 revisions were written and pruned while this instance was not reading.
    await admin.query(`UPDATE ${quoteIdent(schema)}.kv_meta SET value = value + 100 WHERE name IN ('pruned', 'revision')`);
    await admin.end();
    expect(await w.next()).toBeUndefined();
    expect(w.watcher.error).toBeInstanceOf(ConnectionProblemError);
    // New watchers work, and see what comes next.
    const again = new WatchReader(b.watch({ prefixes: [] }));
    expect(await again.next()).toEqual({ type: 'init' });
    await b.put({ key: '/after', value: 'v' });
    expect(await again.next()).toMatchObject({ type: 'put', item: { key: '/after' } });
    await b.close();
  });

  it('refuses a table layout it did not create', async () => {
    const schema = freshSchema();
    const admin = new pg.Client({ connectionString: CONN });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await admin.query(`CREATE TABLE ${quoteIdent(schema)}.kv (key bytea PRIMARY KEY, value bytea, expires timestamptz, revision uuid)`);
    await admin.end();
    await expect(PostgresBackend.open({ connString: CONN, schema })).rejects.toThrow(/another layout/);
  });

  it.each([
    ['not a URL', 'host=127.0.0.1 user=postgres', /not a URL/],
    ['another scheme', 'mysql://root@127.0.0.1/test', /postgresql:\/\//],
    ['a bad sslmode', `${CONN}?sslmode=sometimes`, /sslmode/],
    ['a bad pool size', `${CONN}?pool_max_conns=0`, /pool_max_conns/],
  ])('a conn_string that is %s gives BadParameterError', async (_label, connString, text) => {
    const err = await PostgresBackend.open({ connString }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadParameterError);
    expect((err as Error).message).toMatch(text);
  });

  it('an unreachable server gives ConnectionProblemError that hides the password', async () => {
    const err = await PostgresBackend.open({ connString: 'postgresql://u:s3cret@127.0.0.1:1/db?connect_timeout=2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionProblemError);
    expect((err as Error).message).toContain('127.0.0.1:1');
    expect((err as Error).message).not.toContain('s3cret');
  });

  it('passes TLS settings to the driver: sslmode=verify-full without a server certificate fails to connect', async () => {
    // The machine's server does not offer TLS (or not with a certificate we trust): the client must refuse.
    const err = await PostgresBackend.open({ connString: `${CONN}?sslmode=verify-full`, schema: freshSchema() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionProblemError);
  });
});
