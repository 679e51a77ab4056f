import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { BadParameterError, NotFoundError } from '../api/errors.js';
import pg from 'pg';
import { MemoryBackend, SqliteBackend, key, openBackend, rangeEnd } from './index.js';
import type { BackendSpec } from './index.js';
import { startDynalite } from './testing/dynalite.js';
import type { LocalDynamo } from './testing/dynalite.js';
import { startEtcd } from './testing/etcd-process.js';
import type { EtcdProcess } from './testing/etcd-process.js';

const PG = process.env.TEST_PG_CONN ?? 'postgresql://postgres@127.0.0.1:5432/test';

const dir = mkdtempSync(join(tmpdir(), 'open-backend-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openBackend', () => {
  it.each<[string, BackendSpec, unknown]>([
    ['memory', { type: 'memory' }, MemoryBackend],
    ['sqlite', { type: 'sqlite', path: join(dir, 'a', 'b.db') }, SqliteBackend],
  ])('opens a %s backend that uses the given clock', async (_name, spec, cls) => {
    const clock = new FakeClock();
    const b = await openBackend(spec, clock);
    expect(b).toBeInstanceOf(cls);
    expect(b.clock).toBe(clock);
    await b.put({ key: key('x', 'y'), value: 'v', expires: clock.now() + 10 });
    expect((await b.getRange('/x/', rangeEnd('/x/'))).map((i) => i.key)).toEqual(['/x/y']);
    clock.advance(10);
    await expect(b.get('/x/y')).rejects.toBeInstanceOf(NotFoundError);
    await b.close();
  });

  it('rejects an unknown type with BadParameterError', async () => {
    await expect(openBackend({ type: 'mongo' } as unknown as BackendSpec)).rejects.toBeInstanceOf(BadParameterError);
  });
});

describe('openBackend: shared stores', () => {
  const schema = `open_backend_${process.pid}_${Date.now()}`;
  let etcd: EtcdProcess | undefined;
  let dynamo: LocalDynamo | undefined;
  afterAll(async () => {
    await etcd?.stop();
    await dynamo?.close();
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  const specs: Record<string, () => Promise<BackendSpec>> = {
    postgresql: async () => ({ type: 'postgresql', connString: PG, schema }),
    etcd: async () => {
      etcd = await startEtcd();
      return { type: 'etcd', peers: [etcd.url], prefix: '/open-backend', insecure: true };
    },
    dynamodb: async () => {
      dynamo = await startDynalite();
      return { type: 'dynamodb', tableName: 'open-backend', ...dynamo.options };
    },
  };

  it.each(Object.keys(specs))('opens a %s backend that uses the given clock', async (name) => {
    const clock = new FakeClock();
    const b = await openBackend(await specs[name](), clock);
    expect(b.clock).toBe(clock);
    await b.put({ key: key('x', 'y'), value: 'v', expires: clock.now() + 10 });
    expect((await b.getRange('/x/', rangeEnd('/x/'))).map((i) => i.key)).toEqual(['/x/y']);
    clock.advance(10);
    await expect(b.get('/x/y')).rejects.toBeInstanceOf(NotFoundError);
    await b.close();
  });
});
