import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../api/errors.js';
import { runBackendSuite } from '../testing/suite.js';
import { WatchReader } from '../testing/watch-reader.js';
import { MemoryBackend } from './memory.js';

runBackendSuite('memory backend', async (clock) => new MemoryBackend({ clock, sweepIntervalMs: 10 }));

describe('memory backend watch buffer', () => {
  it('drops a watcher that falls more than watchBufferLimit events behind', async () => {
    const b = new MemoryBackend({ watchBufferLimit: 5 });
    const w = new WatchReader(b.watch({ prefixes: [] }));
    for (let i = 0; i < 10; i++) await b.put({ key: `/k/${i}`, value: 'v' });
    expect(await w.next()).toBeUndefined();
    expect(w.watcher.error).toBeInstanceOf(LimitExceededError);
    await b.close();
  });
});
