import { describe, expect, it } from 'vitest';
import { ConnectionProblemError, LimitExceededError } from '../api/errors.js';
import { WatchReader } from './testing/watch-reader.js';
import { WatchFanout } from './watch-fanout.js';

const put = (key: string) => ({ type: 'put' as const, item: { key, value: 'v', revision: '1' } });

describe('WatchFanout', () => {
  it('delivers to matching watchers only and unregisters closed ones', async () => {
    const f = new WatchFanout();
    const a = new WatchReader(f.watch({ prefixes: ['/a/'] }));
    const all = new WatchReader(f.watch({ prefixes: [] }));
    expect(f.size).toBe(2);
    f.emit(put('/b/1'));
    f.emit(put('/a/1'));
    f.emit({ type: 'delete', key: '/a/1' });
    expect(await a.next()).toEqual({ type: 'init' });
    expect(await a.next()).toEqual(put('/a/1'));
    expect(await a.next()).toEqual({ type: 'delete', key: '/a/1' });
    for (const want of [{ type: 'init' }, put('/b/1'), put('/a/1')]) expect(await all.next()).toEqual(want);
    a.watcher.close();
    expect(f.size).toBe(1);
    f.closeAll();
    expect(f.size).toBe(0);
    expect(all.watcher.error).toBeInstanceOf(ConnectionProblemError);
  });

  it('gives each watcher its own copy of an item', async () => {
    const f = new WatchFanout();
    const one = new WatchReader(f.watch({ prefixes: [] }));
    const two = new WatchReader(f.watch({ prefixes: [] }));
    f.emit(put('/k'));
    await one.next();
    await two.next();
    const ev = await one.next();
    if (ev?.type === 'put') ev.item.value = 'mutated';
    expect(await two.next()).toEqual(put('/k'));
  });

  it.each([1, 3, 100])('with bufferLimit %i drops a consumer exactly when it is more than the limit behind', async (limit) => {
    const f = new WatchFanout({ bufferLimit: limit });
    const w = new WatchReader(f.watch({ prefixes: [] })); // init is one buffered event
    for (let i = 1; i < limit; i++) f.emit(put(`/k/${i}`));
    expect(w.watcher.error).toBeUndefined();
    expect(await w.next()).toEqual({ type: 'init' }); // reading frees one slot
    f.emit(put('/k/last'));
    expect(w.watcher.error).toBeUndefined();
    f.emit(put('/k/overflow'));
    expect(w.watcher.error).toBeInstanceOf(LimitExceededError);
    expect(await w.next()).toBeUndefined();
    expect(f.size).toBe(0);
  });

  it('a consumer that keeps up never overflows, across buffer compaction', async () => {
    const f = new WatchFanout({ bufferLimit: 10 });
    const w = new WatchReader(f.watch({ prefixes: [] }));
    await w.next();
    for (let i = 0; i < 5000; i++) {
      f.emit(put(`/k/${i}`));
      expect(await w.next()).toEqual(put(`/k/${i}`));
    }
    expect(w.watcher.error).toBeUndefined();
  });
});
