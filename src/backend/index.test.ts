import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { BadParameterError, NotFoundError } from '../api/errors.js';
import { MemoryBackend, SqliteBackend, key, openBackend, rangeEnd } from './index.js';
import type { BackendSpec } from './index.js';

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
    await expect(openBackend({ type: 'etcd' } as unknown as BackendSpec)).rejects.toBeInstanceOf(BadParameterError);
  });
});
