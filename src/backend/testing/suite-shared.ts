/**
 * Conformance cases for stores several auth servers share (PostgreSQL, etcd, DynamoDB): two
 * backend instances on one store must see each other's writes, settle compare-and-swap between
 * them, and feed both watchers every change in one order, expiry included.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../api/clock.js';
import { CompareFailedError } from '../../api/errors.js';
import type { Backend } from '../backend.js';
import { WatchReader } from './watch-reader.js';

/** What each case sees: two instances on one empty store, built with one FakeClock. */
interface SharedContext {
  a: Backend;
  b: Backend;
  clock: FakeClock;
}

/**
 * Registers the shared-store cases under `describe(name)`. `make` must open two instances on one
 * new, empty store whose expiry reads `clock` and whose sweepers run on a short real interval.
 */
export function runSharedBackendSuite(name: string, make: (clock: FakeClock) => Promise<[Backend, Backend]>): void {
  describe(name, () => {
    const ctx = {} as SharedContext;
    beforeEach(async () => {
      ctx.clock = new FakeClock();
      [ctx.a, ctx.b] = await make(ctx.clock);
    });
    afterEach(async () => {
      await Promise.all([ctx.a.close(), ctx.b.close()]);
    });

    it("each sees the other's writes, compare-and-swap and leases; both watchers get every change in order", async () => {
      const { a, b, clock } = ctx;
      const wa = new WatchReader(a.watch({ prefixes: ['/shared/'] }));
      const wb = new WatchReader(b.watch({ prefixes: ['/shared/'] }));
      expect(await wa.next()).toEqual({ type: 'init' });
      expect(await wb.next()).toEqual({ type: 'init' });

      const lease = await a.put({ key: '/shared/n', value: '0', expires: clock.now() + 60_000 });
      expect(await b.get('/shared/n')).toEqual({ key: '/shared/n', value: '0', revision: lease.revision, expires: clock.now() + 60_000 });
      const cur = await b.get('/shared/n');
      await b.compareAndSwap(cur, { key: '/shared/n', value: '1' });
      await expect(a.compareAndSwap(cur, { key: '/shared/n', value: 'stale' })).rejects.toBeInstanceOf(CompareFailedError);
      const swapped = await a.get('/shared/n');
      await a.keepAlive(swapped, clock.now() + 120_000);
      expect(await b.get('/shared/n')).toMatchObject({ value: '1', revision: swapped.revision, expires: clock.now() + 120_000 });
      await b.delete('/shared/n');
      for (const w of [wa, wb]) {
        expect(await w.next()).toMatchObject({ type: 'put', item: { value: '0', revision: lease.revision } });
        expect(await w.next()).toMatchObject({ type: 'put', item: { value: '1', revision: swapped.revision } });
        expect(await w.next()).toMatchObject({ type: 'put', item: { value: '1', revision: swapped.revision, expires: clock.now() + 120_000 } });
        expect(await w.next()).toEqual({ type: 'delete', key: '/shared/n' });
      }
    });

    it('concurrent writers on both: one order for both watchers, ending in the stored state', async () => {
      const { a, b } = ctx;
      const wa = new WatchReader(a.watch({ prefixes: ['/o/'] }));
      const wb = new WatchReader(b.watch({ prefixes: ['/o/'] }));
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).put({ key: `/o/${i % 3}`, value: String(i) })));
      const seen = async (w: WatchReader): Promise<string[]> => {
        const out: string[] = [];
        expect(await w.next()).toEqual({ type: 'init' });
        for (let i = 0; i < 20; i++) {
          const ev = await w.next();
          out.push(ev?.type === 'put' ? `${ev.item.key}=${ev.item.value}@${ev.item.revision}` : String(ev?.type));
        }
        return out;
      };
      const [fromA, fromB] = await Promise.all([seen(wa), seen(wb)]);
      expect(fromA).toEqual(fromB);
      for (const k of ['/o/0', '/o/1', '/o/2']) {
        const item = await a.get(k);
        expect(fromA.filter((e) => e.startsWith(`${k}=`)).at(-1)).toBe(`${k}=${item.value}@${item.revision}`);
      }
    });

    it('an expiry, swept by either instance, reaches both watchers once', async () => {
      const { a, b, clock } = ctx;
      const wa = new WatchReader(a.watch({ prefixes: ['/ttl/'] }));
      const wb = new WatchReader(b.watch({ prefixes: ['/ttl/'] }));
      await a.put({ key: '/ttl/x', value: 'v', expires: clock.now() + 1000 });
      clock.advance(1000);
      for (const w of [wa, wb]) {
        expect(await w.next()).toEqual({ type: 'init' });
        expect(await w.next()).toMatchObject({ type: 'put', item: { key: '/ttl/x' } });
        expect(await w.next()).toEqual({ type: 'delete', key: '/ttl/x' });
        expect(await w.quiet(200)).toBe(true);
      }
    });
  });
}
