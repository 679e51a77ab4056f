/**
 * Conformance cases for single-key writes: create/put/update/delete, revisions, compare-and-swap,
 * conditional writes, concurrent writers, unusual keys and bad input.
 */
import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  BadParameterError,
  CompareFailedError,
  ConnectionProblemError,
  NotFoundError,
} from '../../api/errors.js';
import { key } from '../backend.js';
import type { Backend } from '../backend.js';
import type { SuiteContext } from './suite-context.js';

/** Increments a decimal counter at `k` with a get + compareAndSwap retry loop; returns the retries taken. */
async function increment(b: Backend, k: string): Promise<number> {
  for (let retries = 0; ; retries++) {
    const cur = await b.get(k);
    try {
      await b.compareAndSwap(cur, { key: k, value: String(Number(cur.value) + 1) });
      return retries;
    } catch (err) {
      if (!(err instanceof CompareFailedError)) throw err;
    }
  }
}

/** Registers the single-key cases against `ctx.backend`. */
export function crudCases(ctx: SuiteContext): void {
  describe('single keys', () => {
    it('get of an absent key throws NotFoundError', async () => {
      await expect(ctx.backend.get('/absent')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('create writes once, then AlreadyExistsError and the value is unchanged', async () => {
      const b = ctx.backend;
      const lease = await b.create({ key: '/a', value: 'one' });
      expect(lease.key).toBe('/a');
      await expect(b.create({ key: '/a', value: 'two' })).rejects.toBeInstanceOf(AlreadyExistsError);
      const got = await b.get('/a');
      expect(got).toMatchObject({ key: '/a', value: 'one', revision: lease.revision });
      expect(got.expires).toBeUndefined();
    });

    it('put writes unconditionally; update needs the key to exist', async () => {
      const b = ctx.backend;
      await expect(b.update({ key: '/u', value: 'x' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(b.get('/u')).rejects.toBeInstanceOf(NotFoundError);
      await b.put({ key: '/u', value: 'p1' });
      await b.put({ key: '/u', value: 'p2' });
      await b.update({ key: '/u', value: 'u1' });
      expect((await b.get('/u')).value).toBe('u1');
    });

    it('delete removes; deleting again throws NotFoundError', async () => {
      const b = ctx.backend;
      await b.put({ key: '/d', value: 'v' });
      await b.delete('/d');
      await expect(b.get('/d')).rejects.toBeInstanceOf(NotFoundError);
      await expect(b.delete('/d')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('the revision changes on every write and matches what get returns', async () => {
      const b = ctx.backend;
      const seen = new Set<string>();
      const writes: Array<() => Promise<{ revision: string }>> = [
        () => b.create({ key: '/r', value: '1' }),
        () => b.put({ key: '/r', value: '1' }), // same value still gets a new revision
        () => b.update({ key: '/r', value: '2' }),
        () => b.compareAndSwap({ key: '/r', value: '2' }, { key: '/r', value: '3' }),
      ];
      for (const write of writes) {
        const lease = await write();
        expect(seen.has(lease.revision)).toBe(false);
        seen.add(lease.revision);
        expect((await b.get('/r')).revision).toBe(lease.revision);
      }
      const cur = await b.get('/r');
      const next = await b.conditionalUpdate({ key: '/r', value: '4' }, cur.revision);
      expect(seen.has(next.revision)).toBe(false);
      seen.add(next.revision);
      await b.delete('/r');
      const again = await b.create({ key: '/r', value: '5' });
      expect(seen.has(again.revision)).toBe(false);
    });

    it('compareAndSwap swaps on a value match only', async () => {
      const b = ctx.backend;
      await expect(b.compareAndSwap({ key: '/c', value: 'a' }, { key: '/c', value: 'b' })).rejects.toBeInstanceOf(NotFoundError);
      await b.put({ key: '/c', value: 'a' });
      await b.compareAndSwap({ key: '/c', value: 'a' }, { key: '/c', value: 'b' });
      expect((await b.get('/c')).value).toBe('b');
      await expect(b.compareAndSwap({ key: '/c', value: 'a' }, { key: '/c', value: 'z' })).rejects.toBeInstanceOf(
        CompareFailedError,
      );
      expect((await b.get('/c')).value).toBe('b');
      await expect(b.compareAndSwap({ key: '/c', value: 'b' }, { key: '/other', value: 'z' })).rejects.toBeInstanceOf(
        BadParameterError,
      );
      expect((await b.get('/c')).value).toBe('b');
    });

    it('conditionalUpdate and conditionalDelete act on the current revision only', async () => {
      const b = ctx.backend;
      await expect(b.conditionalUpdate({ key: '/cu', value: 'x' }, '1')).rejects.toBeInstanceOf(NotFoundError);
      await expect(b.conditionalDelete('/cu', '1')).rejects.toBeInstanceOf(NotFoundError);
      const first = await b.put({ key: '/cu', value: 'v1' });
      const second = await b.conditionalUpdate({ key: '/cu', value: 'v2' }, first.revision);
      await expect(b.conditionalUpdate({ key: '/cu', value: 'stale' }, first.revision)).rejects.toBeInstanceOf(
        CompareFailedError,
      );
      await expect(b.conditionalDelete('/cu', first.revision)).rejects.toBeInstanceOf(CompareFailedError);
      expect(await b.get('/cu')).toMatchObject({ value: 'v2', revision: second.revision });
      await b.conditionalDelete('/cu', second.revision);
      await expect(b.get('/cu')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('50 concurrent compare-and-swap increments of one counter end at exactly 50', async () => {
      const b = ctx.backend;
      await b.put({ key: '/counter', value: '0' });
      const retries = await Promise.all(Array.from({ length: 50 }, () => increment(b, '/counter')));
      expect((await b.get('/counter')).value).toBe('50');
      // The writers really interleaved: some of them lost a race and retried.
      expect(retries.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    });

    it('concurrent creates of one key: exactly one wins', async () => {
      const b = ctx.backend;
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => b.create({ key: '/once', value: String(i) })));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AlreadyExistsError);
    });

    it.each([
      ['spaces', '/with space/and  two'],
      ['unicode', '/users/josé/日本語'],
      ['emoji', '/emoji/😀/x'],
      ['slashes', '//double//slash/'],
      ['punctuation', "/p/%2F?&=#'\"\\"],
      ['built by key()', key('roles', 'dev team', 'params')],
    ])('keys with %s round-trip', async (_label, k) => {
      const b = ctx.backend;
      const value = `value of ${k} ✓ \n\t`;
      await b.create({ key: k, value });
      expect(await b.get(k)).toMatchObject({ key: k, value });
      const [ranged] = await b.getRange(k, k + '\u0000');
      expect(ranged).toMatchObject({ key: k, value });
      await b.delete(k);
      await expect(b.get(k)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('stores large values intact', async () => {
      const value = 'x'.repeat(1 << 20) + 'é';
      await ctx.backend.put({ key: '/big', value });
      expect((await ctx.backend.get('/big')).value).toBe(value);
    });

    it.each([
      ['an empty key', { key: '', value: 'v' }],
      ['a lone surrogate in the key', { key: '/bad\ud800', value: 'v' }],
      ['a non-string value', { key: '/k', value: 42 as unknown as string }],
      ['a lone surrogate in the value', { key: '/k', value: 'half \udc00 pair' }],
      ['a non-finite expires', { key: '/k', value: 'v', expires: Number.NaN }],
    ])('rejects %s with BadParameterError and writes nothing', async (_label, item) => {
      const b = ctx.backend;
      await expect(b.put(item)).rejects.toBeInstanceOf(BadParameterError);
      await expect(b.create(item)).rejects.toBeInstanceOf(BadParameterError);
      expect(await b.getRange('', '\uffff')).toEqual([]);
    });

    it('close() twice is safe, and calls after close fail with ConnectionProblemError', async () => {
      const b = ctx.backend;
      await b.put({ key: '/x', value: 'y' });
      await b.close();
      await b.close();
      await expect(b.get('/x')).rejects.toBeInstanceOf(ConnectionProblemError);
      await expect(b.put({ key: '/x', value: 'z' })).rejects.toBeInstanceOf(ConnectionProblemError);
    });
  });
}
