/**
 * Conformance cases for the watch feed: `init` first, matching prefixes only, write order, expiry
 * deletes from the sweeper, keepAlive puts, and every way a feed ends.
 */
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError } from '../../api/errors.js';
import type { BackendEvent } from '../backend.js';
import type { SuiteContext } from './suite-context.js';
import { WatchReader } from './watch-reader.js';

/** Compact form of an event for order assertions: `put /a=v`, `delete /a`, `init`. */
function brief(ev: BackendEvent | undefined): string {
  if (!ev) return 'end';
  if (ev.type === 'put') return `put ${ev.item.key}=${ev.item.value}`;
  if (ev.type === 'delete') return `delete ${ev.key}`;
  return 'init';
}

async function take(r: WatchReader, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(brief(await r.next()));
  return out;
}

/** Registers the watch cases against `ctx.backend`. */
export function watchCases(ctx: SuiteContext): void {
  describe('watch', () => {
    it('starts with init, then delivers matching writes in order with their revisions', async () => {
      const b = ctx.backend;
      const w = new WatchReader(b.watch({ prefixes: ['/w/'] }));
      expect(await w.next()).toEqual({ type: 'init' });
      const lease = await b.put({ key: '/w/a', value: '1' });
      await b.put({ key: '/other/a', value: 'x' });
      await b.update({ key: '/w/a', value: '2' });
      await b.create({ key: '/w/b', value: '3' });
      await b.delete('/w/a');
      await b.delete('/other/a');
      await b.put({ key: '/w/c', value: '4' });
      const first = await w.next();
      expect(first).toEqual({ type: 'put', item: { key: '/w/a', value: '1', revision: lease.revision } });
      expect(await take(w, 4)).toEqual(['put /w/a=2', 'put /w/b=3', 'delete /w/a', 'put /w/c=4']);
      w.watcher.close();
    });

    it('a watcher opened after a write resolved does not see that write', async () => {
      // Backends that feed watchers from their store (postgres, etcd, dynamodb) must not let a
      // write's own event arrive after the write resolved.
      const b = ctx.backend;
      await b.put({ key: '/late/a', value: '1' });
      const lease = await b.put({ key: '/late/b', value: '2', expires: ctx.clock.now() + 60_000 });
      await b.keepAlive(lease, ctx.clock.now() + 90_000);
      await b.delete('/late/a');
      const w = new WatchReader(b.watch({ prefixes: ['/late/'] }));
      expect(await w.next()).toEqual({ type: 'init' });
      await b.put({ key: '/late/c', value: '3' });
      expect(await take(w, 1)).toEqual(['put /late/c=3']);
      w.watcher.close();
    });

    it('watches several prefixes, or everything with an empty list', async () => {
      const b = ctx.backend;
      const some = new WatchReader(b.watch({ prefixes: ['/x/', '/y/'] }));
      const all = new WatchReader(b.watch({ prefixes: [] }));
      for (const k of ['/x/1', '/z/1', '/y/1', '/xx']) await b.put({ key: k, value: 'v' });
      expect(await take(some, 3)).toEqual(['init', 'put /x/1=v', 'put /y/1=v']);
      expect(await take(all, 5)).toEqual(['init', 'put /x/1=v', 'put /z/1=v', 'put /y/1=v', 'put /xx=v']);
      expect(await some.quiet(100)).toBe(true);
      some.watcher.close();
      all.watcher.close();
    });

    it('failed writes emit nothing; deleteRange emits one delete per key in key order', async () => {
      const b = ctx.backend;
      await b.put({ key: '/f/a', value: '1' });
      await b.put({ key: '/f/b', value: '2' });
      const w = new WatchReader(b.watch({ prefixes: ['/f/'] }));
      await expect(b.create({ key: '/f/a', value: 'dup' })).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(b.compareAndSwap({ key: '/f/a', value: 'no' }, { key: '/f/a', value: 'x' })).rejects.toThrow();
      await b.deleteRange('/f/', '/f0');
      expect(await take(w, 3)).toEqual(['init', 'delete /f/a', 'delete /f/b']);
      expect(await w.quiet(100)).toBe(true);
      w.watcher.close();
    });

    it('an expiring item produces a delete event once the clock passes it', async () => {
      const { backend: b, clock } = ctx;
      const w = new WatchReader(b.watch({ prefixes: ['/ttl/'] }));
      await b.put({ key: '/ttl/a', value: 'v', expires: clock.now() + 1000 });
      expect(await take(w, 2)).toEqual(['init', 'put /ttl/a=v']);
      expect(await w.quiet(150)).toBe(true); // not expired yet: the sweeper must not delete it
      clock.advance(1000);
      expect(await w.next()).toEqual({ type: 'delete', key: '/ttl/a' });
      w.watcher.close();
    });

    it('keepAlive emits a put with the new expiry and the same revision', async () => {
      const { backend: b, clock } = ctx;
      const lease = await b.put({ key: '/ka/a', value: 'v', expires: clock.now() + 1000 });
      const w = new WatchReader(b.watch({ prefixes: ['/ka/'] }));
      await b.keepAlive(lease, clock.now() + 9000);
      expect(await w.next()).toEqual({ type: 'init' });
      expect(await w.next()).toEqual({
        type: 'put',
        item: { key: '/ka/a', value: 'v', revision: lease.revision, expires: clock.now() + 9000 },
      });
      w.watcher.close();
    });

    it('close() ends a waiting iteration, is safe twice, and stops delivery', async () => {
      const b = ctx.backend;
      const watcher = b.watch({ prefixes: [] });
      const w = new WatchReader(watcher);
      expect(await w.next()).toEqual({ type: 'init' });
      const waiting = w.next();
      watcher.close();
      watcher.close();
      expect(await waiting).toBeUndefined();
      await b.put({ key: '/after', value: 'v' });
      expect(await w.next()).toBeUndefined();
      expect(watcher.error).toBeUndefined();
    });

    it('an AbortSignal closes the watcher; an already-aborted one yields nothing', async () => {
      const b = ctx.backend;
      const ac = new AbortController();
      const w = new WatchReader(b.watch({ prefixes: [], signal: ac.signal }));
      expect(await w.next()).toEqual({ type: 'init' });
      const waiting = w.next();
      ac.abort();
      expect(await waiting).toBeUndefined();
      const dead = new WatchReader(b.watch({ prefixes: [], signal: AbortSignal.abort() }));
      expect(await dead.next()).toBeUndefined();
    });

    it('breaking out of for-await closes the watcher', async () => {
      const b = ctx.backend;
      const watcher = b.watch({ prefixes: ['/br/'] });
      await b.put({ key: '/br/1', value: 'v' });
      const seen: string[] = [];
      for await (const ev of watcher) {
        seen.push(brief(ev));
        if (ev.type === 'put') break;
      }
      expect(seen).toEqual(['init', 'put /br/1=v']);
      await b.put({ key: '/br/2', value: 'v' });
      expect(await new WatchReader(watcher).next()).toBeUndefined();
    });

    it('closing the backend ends its watchers with error set', async () => {
      const b = ctx.backend;
      const w = new WatchReader(b.watch({ prefixes: [] }));
      expect(await w.next()).toEqual({ type: 'init' });
      const waiting = w.next();
      await b.close();
      expect(await waiting).toBeUndefined();
      expect(w.watcher.error).toBeInstanceOf(Error);
    });
  });
}
