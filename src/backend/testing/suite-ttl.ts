/**
 * Conformance cases for expiring items and leases: expiry against the injected clock, writes over
 * expired keys, keepAlive, and the sweeper really deleting.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../api/errors.js';
import { rangeEnd } from '../backend.js';
import type { SuiteContext } from './suite-context.js';

/** Registers the TTL and lease cases against `ctx.backend` and `ctx.clock`. */
export function ttlCases(ctx: SuiteContext): void {
  describe('expiry and leases', () => {
    it('an item is visible until the clock reaches its expiry, then invisible to get and getRange', async () => {
      const { backend: b, clock } = ctx;
      const expires = clock.now() + 60_000;
      await b.put({ key: '/t/x', value: 'v', expires });
      await b.put({ key: '/t/forever', value: 'v' });
      expect((await b.get('/t/x')).expires).toBe(expires);
      clock.advance(59_999);
      expect((await b.get('/t/x')).value).toBe('v');
      clock.advance(1);
      await expect(b.get('/t/x')).rejects.toBeInstanceOf(NotFoundError);
      expect((await b.getRange('/t/', rangeEnd('/t/'))).map((i) => i.key)).toEqual(['/t/forever']);
    });

    it('an expired key counts as absent for every write', async () => {
      const { backend: b, clock } = ctx;
      const put = async (k: string): Promise<void> => {
        await b.put({ key: k, value: 'old', expires: clock.now() + 1000 });
      };
      await Promise.all(['/e/create', '/e/update', '/e/cas', '/e/delete', '/e/cupdate'].map(put));
      const stale = await b.get('/e/cupdate');
      clock.advance(1000);
      await b.create({ key: '/e/create', value: 'new' });
      expect(await b.get('/e/create')).toMatchObject({ value: 'new' });
      expect((await b.get('/e/create')).expires).toBeUndefined();
      await expect(b.update({ key: '/e/update', value: 'x' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(b.compareAndSwap({ key: '/e/cas', value: 'old' }, { key: '/e/cas', value: 'x' })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(b.delete('/e/delete')).rejects.toBeInstanceOf(NotFoundError);
      await expect(b.conditionalUpdate({ key: '/e/cupdate', value: 'x' }, stale.revision)).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(b.conditionalDelete('/e/cupdate', stale.revision)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('keepAlive moves the expiry and keeps the revision', async () => {
      const { backend: b, clock } = ctx;
      const lease = await b.put({ key: '/lease', value: 'v', expires: clock.now() + 1000 });
      await b.keepAlive(lease, clock.now() + 10_000);
      clock.advance(5000);
      const got = await b.get('/lease');
      expect(got).toMatchObject({ value: 'v', revision: lease.revision, expires: clock.now() + 5000 });
      await b.keepAlive(lease, clock.now() + 10_000); // the same lease keeps working
      clock.advance(9999);
      expect((await b.get('/lease')).value).toBe('v');
      clock.advance(1);
      await expect(b.get('/lease')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('keepAlive on a deleted, rewritten or expired item throws NotFoundError and changes nothing', async () => {
      const { backend: b, clock } = ctx;
      const deleted = await b.put({ key: '/k/deleted', value: 'v', expires: clock.now() + 1000 });
      await b.delete('/k/deleted');
      await expect(b.keepAlive(deleted, clock.now() + 5000)).rejects.toBeInstanceOf(NotFoundError);
      await expect(b.get('/k/deleted')).rejects.toBeInstanceOf(NotFoundError);

      const old = await b.put({ key: '/k/rewritten', value: 'v1', expires: clock.now() + 1000 });
      const current = await b.put({ key: '/k/rewritten', value: 'v2', expires: clock.now() + 2000 });
      await expect(b.keepAlive(old, clock.now() + 5000)).rejects.toBeInstanceOf(NotFoundError);
      expect(await b.get('/k/rewritten')).toMatchObject({ value: 'v2', revision: current.revision, expires: clock.now() + 2000 });

      const expired = await b.put({ key: '/k/expired', value: 'v', expires: clock.now() + 3000 });
      clock.advance(3000);
      await expect(b.keepAlive(expired, clock.now() + 5000)).rejects.toBeInstanceOf(NotFoundError);
      await expect(b.get('/k/expired')).rejects.toBeInstanceOf(NotFoundError);

      await expect(b.keepAlive({ key: '/k/never', revision: '1' }, clock.now() + 5000)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('the sweeper deletes expired items for good (turning the clock back does not revive them)', async () => {
      const { backend: b, clock } = ctx;
      const start = clock.now();
      await b.put({ key: '/s/gone', value: 'v', expires: start + 1000 });
      await b.put({ key: '/s/kept', value: 'v', expires: start + 100_000 });
      clock.advance(2000);
      await sleep(300); // several sweep intervals of real time
      clock.set(start);
      await expect(b.get('/s/gone')).rejects.toBeInstanceOf(NotFoundError);
      expect((await b.get('/s/kept')).value).toBe('v');
    });
  });
}
