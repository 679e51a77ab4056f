import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/index.js';
import { ManualTimers } from '../reversetunnel/testing/manual-timers.js';
import { ResourceCache } from './resource-cache.js';
import { FakeWatchAuth, node } from './testing/fake-watch-auth.js';

/** Lets pending promise callbacks (the cache's loop) run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
};

const names = (c: ResourceCache, kind = 'node') => (c.list(kind) ?? []).map((r) => r.metadata.name).sort();

describe('ResourceCache', () => {
  const caches: ResourceCache[] = [];
  afterEach(() => {
    for (const c of caches.splice(0)) c.close();
  });

  function cache(auth: FakeWatchAuth, timers: ManualTimers, random: () => number = () => 0.5): ResourceCache {
    const c = new ResourceCache({ kinds: ['node', 'cert_authority'], watch: auth.watch, load: auth.load, timers, backoff: { baseMs: 1_000, capMs: 8_000, random }, logger: silentLogger });
    caches.push(c);
    c.start();
    return c;
  }

  it('reads the state after init, applies puts and deletes in order, and serves reads without calling auth', async () => {
    const auth = new FakeWatchAuth();
    auth.put(node('a'));
    const c = cache(auth, new ManualTimers());
    expect(c.list('node')).toBeUndefined();
    await c.nextSync();
    expect(names(c)).toEqual(['a']);
    auth.put(node('b'));
    auth.put(node('c'));
    auth.remove('node', 'a');
    auth.put({ kind: 'cert_authority', sub_kind: 'user', metadata: { name: 'cl' }, spec: { type: 'user' } });
    await settle();
    expect(names(c)).toEqual(['b', 'c']);
    expect(c.get('cert_authority', 'cl', 'user')?.spec).toEqual({ type: 'user' });
    expect(c.get('cert_authority', 'cl', 'host')).toBeUndefined();
    const loads = auth.loadCalls;
    for (let i = 0; i < 100; i++) c.list('node');
    expect(auth.loadCalls).toBe(loads);
    expect(auth.watchCalls).toBe(1);
  });

  it('keeps serving the last state while auth is down, reconnects with backoff and re-syncs what changed meanwhile', async () => {
    const auth = new FakeWatchAuth();
    const timers = new ManualTimers();
    auth.put(node('a'));
    const c = cache(auth, timers);
    await c.nextSync();

    auth.down = true;
    auth.breakAll();
    await settle();
    expect(names(c)).toEqual(['a']);
    // Backoff with random 0.5: 750 ms, then 1500 ms, each attempt refused while auth is down.
    expect(timers.delays()).toEqual([750]);
    timers.advance(750);
    await settle();
    expect(auth.watchCalls).toBe(2);
    expect(timers.delays()).toEqual([1_500]);
    expect(names(c)).toEqual(['a']);

    // Changes made while the cache was away are picked up by the re-sync; the removed node is gone.
    auth.down = false;
    auth.state.clear();
    auth.putQuietly(node('b'));
    const synced = c.nextSync();
    timers.advance(1_500);
    await synced;
    expect(names(c)).toEqual(['b']);
    expect(c.syncs).toBe(2);
    // A success resets the backoff: the next break waits the first delay again.
    auth.breakAll();
    await settle();
    expect(timers.delays()).toEqual([750]);
  });

  it('spreads the reconnects of many caches after one auth restart (jitter on an injected clock)', async () => {
    const auth = new FakeWatchAuth();
    const timers = new ManualTimers();
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const all = Array.from({ length: 50 }, () => cache(auth, timers, random));
    await Promise.all(all.map((c) => c.nextSync()));
    expect(auth.open).toBe(50);

    auth.breakAll();
    await settle();
    const delays = timers.delays();
    expect(delays).toHaveLength(50);
    // Every delay in the first window [500, 1000) ms, and no instant with more than a few of them.
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...delays)).toBeLessThan(1_000);
    const perTenth = new Map<number, number>();
    for (const d of delays) perTenth.set(Math.floor(d / 100), (perTenth.get(Math.floor(d / 100)) ?? 0) + 1);
    expect(perTenth.size).toBe(5);
    expect(Math.max(...perTenth.values())).toBeLessThan(25);

    // Nobody reconnects before its time; after the window everyone has.
    const before = auth.watchCalls;
    timers.advance(499);
    await settle();
    expect(auth.watchCalls).toBe(before);
    timers.advance(501);
    await settle();
    expect(auth.watchCalls).toBe(before + 50);
    expect(auth.open).toBe(50);
  });

  it('stops on close: no reconnect, the last state stays readable, close twice is fine', async () => {
    const auth = new FakeWatchAuth();
    const timers = new ManualTimers();
    auth.put(node('a'));
    const c = cache(auth, timers);
    await c.nextSync();
    c.close();
    c.close();
    await settle();
    expect(auth.open).toBe(0);
    auth.breakAll();
    timers.advance(60_000);
    await settle();
    expect(auth.watchCalls).toBe(1);
    expect(names(c)).toEqual(['a']);
  });

  it('a stream that does not begin with init is a break, not a state', async () => {
    const auth = new FakeWatchAuth();
    const timers = new ManualTimers();
    const c = new ResourceCache({
      kinds: ['node'],
      watch: async function* () {
        yield { type: 'put', resource: node('x') } as const;
      },
      load: auth.load,
      timers,
      logger: silentLogger,
    });
    caches.push(c);
    c.start();
    await settle();
    expect(c.synced).toBe(false);
    expect(timers.delays()).toHaveLength(1);
  });
});
