import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../api/clock.js';
import { BadParameterError, CompareFailedError, ConnectionProblemError, LimitExceededError, NotFoundError } from '../../api/errors.js';
import { rangeEnd } from '../backend.js';
import { runBackendSuite } from '../testing/suite.js';
import { WatchReader } from '../testing/watch-reader.js';
import { WATCH_BUFFER_LIMIT } from '../watch-fanout.js';
import { SqliteBackend } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-backend-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `db-${++n}`, 'state.db');

runBackendSuite('sqlite backend (file)', async (clock) => SqliteBackend.open({ path: freshPath(), clock, sweepIntervalMs: 10 }));
runBackendSuite('sqlite backend (:memory:)', async (clock) => SqliteBackend.open({ path: ':memory:', clock, sweepIntervalMs: 10 }));

describe('sqlite backend specifics', () => {
  it('creates its directory and keeps data, expiry and revisions across close and reopen', async () => {
    const path = freshPath();
    const clock = new FakeClock();
    const b1 = await SqliteBackend.open({ path, clock });
    expect(statSync(path).isFile()).toBe(true);
    const lease = await b1.put({ key: '/p/a', value: 'alpha', expires: clock.now() + 60_000 });
    await b1.put({ key: '/p/b', value: 'beta' });
    await b1.close();

    const b2 = await SqliteBackend.open({ path, clock });
    expect(await b2.get('/p/a')).toEqual({ key: '/p/a', value: 'alpha', expires: clock.now() + 60_000, revision: lease.revision });
    expect((await b2.getRange('/p/', rangeEnd('/p/'))).map((i) => i.value)).toEqual(['alpha', 'beta']);
    await b2.keepAlive(lease, clock.now() + 120_000); // a lease outlives a restart
    const later = await b2.put({ key: '/p/c', value: 'gamma' });
    expect(Number(later.revision)).toBeGreaterThan(Number(lease.revision)); // the counter was persisted
    clock.advance(60_000);
    expect((await b2.get('/p/a')).value).toBe('alpha');
    clock.advance(60_000);
    await expect(b2.get('/p/a')).rejects.toBeInstanceOf(NotFoundError);
    await b2.close();
  });

  it('two instances on one file share data, revisions and compare-and-swap', async () => {
    const path = freshPath();
    const [a, b] = await Promise.all([SqliteBackend.open({ path }), SqliteBackend.open({ path })]);
    await a.put({ key: '/shared/n', value: '0' });
    const revisions = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const via = i % 2 ? a : b;
      const cur = await via.get('/shared/n');
      const lease = await via.compareAndSwap(cur, { key: '/shared/n', value: String(i + 1) });
      revisions.add(lease.revision);
      // The other instance sees the write and cannot swap against the old value.
      const other = via === a ? b : a;
      await expect(other.compareAndSwap(cur, { key: '/shared/n', value: 'stale' })).rejects.toBeInstanceOf(CompareFailedError);
    }
    expect(revisions.size).toBe(20);
    expect((await b.get('/shared/n')).value).toBe('20');
    await Promise.all([a.close(), b.close()]);
  });

  it('a file that is not a SQLite database gives BadParameterError naming the path, and is left untouched', async () => {
    const path = join(dir, 'not-a-db.txt');
    const content = 'this is a text file, not a database\n'.repeat(200);
    writeFileSync(path, content);
    const err = await SqliteBackend.open({ path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadParameterError);
    expect((err as Error).message).toContain(path);
    expect(statSync(path).size).toBe(content.length);
  });

  it('a path that cannot be opened gives ConnectionProblemError naming the path', async () => {
    const parent = join(dir, 'file-not-dir');
    const path = join(parent, 'sub', 'state.db');
    writeFileSync(parent, 'a file where a directory should be');
    const err = await SqliteBackend.open({ path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionProblemError);
    expect((err as Error).message).toContain(path);
  });

  it(`drops a watcher that falls more than ${WATCH_BUFFER_LIMIT} events behind, with error set`, async () => {
    const b = await SqliteBackend.open({ path: freshPath() });
    const slow = new WatchReader(b.watch({ prefixes: ['/flood/'] }));
    const other = new WatchReader(b.watch({ prefixes: ['/elsewhere/'] }));
    for (let i = 0; i <= WATCH_BUFFER_LIMIT; i++) await b.put({ key: `/flood/${i}`, value: 'v' });
    expect(slow.watcher.error).toBeInstanceOf(LimitExceededError);
    expect(await slow.next()).toBeUndefined(); // buffered events are discarded: the consumer must re-initialize
    // A watcher on other prefixes is unaffected.
    expect(await other.next()).toEqual({ type: 'init' });
    await b.put({ key: '/elsewhere/x', value: 'v' });
    expect(await other.next()).toMatchObject({ type: 'put', item: { key: '/elsewhere/x' } });
    // A fresh watcher works.
    const again = new WatchReader(b.watch({ prefixes: ['/flood/'] }));
    expect(await again.next()).toEqual({ type: 'init' });
    await b.close();
  });
});
