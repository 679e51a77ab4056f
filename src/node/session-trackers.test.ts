// The node's session trackers on a fake clock: session.start upserts, the ticker refreshes every
// 30 s with a 90 s expiry, session.end deletes (after any write still in flight), and a failing
// auth server is logged without disturbing the session.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { silentLogger } from '../log/index.js';
import type { SessionEndEvent, SessionStartEvent } from './session-events.js';
import { NodeSessionTrackers, TRACKER_TTL_MS } from './session-trackers.js';
import { MemoryAccessPoint } from './testing/fixtures.js';

function setup() {
  const clock = new FakeClock();
  const access = new MemoryAccessPoint([]);
  const checks = new Set<() => void>();
  const ticker = {
    add: (c: () => void) => {
      checks.add(c);
      return () => void checks.delete(c);
    },
  };
  const trackers = new NodeSessionTrackers({ access, hostId: 'host-1', hostname: 'node-1', address: () => '127.0.0.1:3022', clock, ticker, logger: silentLogger });
  const tick = () => checks.forEach((c) => c());
  const base = { kind: 'exec' as const, command: 'sleep 3', user: 'alice', login: 'root', serverId: 'host-1', remoteAddr: '', localAddr: '', tty: false };
  const start = (id: string): SessionStartEvent => ({ ...base, type: 'session.start', sessionId: id, time: clock.now() });
  const end = (id: string): SessionEndEvent => ({ ...base, type: 'session.end', sessionId: id, time: clock.now(), exit: { code: 0 } as SessionEndEvent['exit'] });
  return { clock, access, trackers, tick, checks, start, end };
}

describe('NodeSessionTrackers', () => {
  it('upserts on start, refreshes every 30 s, deletes on end', async () => {
    const { clock, access, trackers, tick, checks, start, end } = setup();
    trackers.onEvent(start('s1'));
    await trackers.settled();
    expect(access.trackerWrites).toEqual([{ op: 'upsert', sessionId: 's1', ttlMs: TRACKER_TTL_MS }]);
    expect(access.trackers.get('s1')?.spec).toMatchObject({
      session_id: 's1',
      kind: 'ssh',
      state: 'running',
      host_id: 'host-1',
      hostname: 'node-1',
      address: '127.0.0.1:3022',
      login: 'root',
      cluster_name: 'test.cluster',
      command: 'sleep 3',
      participants: [{ user: 'alice', mode: 'peer' }],
    });
    clock.advance(29_000);
    tick();
    await trackers.settled();
    expect(access.trackerWrites).toHaveLength(1);
    clock.advance(1_000);
    tick();
    await trackers.settled();
    expect(access.trackerWrites.map((w) => w.op)).toEqual(['upsert', 'upsert']);
    expect(access.trackers.get('s1')?.spec.participants[0].last_active).toBe(new Date(clock.now()).toISOString());
    trackers.onEvent(end('s1'));
    await trackers.settled();
    expect(access.trackerWrites.map((w) => w.op)).toEqual(['upsert', 'upsert', 'delete']);
    expect(access.trackers.size).toBe(0);
    expect(checks.size).toBe(0);
    expect(trackers.list()).toEqual([]);
  });

  it('deletes only after the upsert it follows, and survives a failing auth server', async () => {
    const { access, trackers, start, end } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const upsert = access.upsertSessionTracker.bind(access);
    access.upsertSessionTracker = async (t, ttl) => {
      await gate;
      return upsert(t, ttl);
    };
    trackers.onEvent(start('s1'));
    trackers.onEvent(end('s1'));
    release();
    await trackers.settled();
    expect(access.trackerWrites.map((w) => w.op)).toEqual(['upsert', 'delete']);
    expect(access.trackers.size).toBe(0);

    access.upsertSessionTracker = () => Promise.reject(new Error('auth server unreachable'));
    trackers.onEvent(start('s2'));
    await trackers.settled();
    expect(trackers.list().map((t) => t.metadata.name)).toEqual(['s2']);
  });

  it('does nothing when the access point cannot track sessions', async () => {
    const { clock, start } = setup();
    const ticker = { add: () => () => undefined };
    const bare = new NodeSessionTrackers({ access: { clusterName: 'x' }, hostId: 'h', hostname: 'n', address: () => '', clock, ticker, logger: silentLogger });
    bare.onEvent(start('s1'));
    await bare.settled();
    expect(bare.list()).toEqual([]);
  });
});
