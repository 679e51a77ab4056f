import { describe, expect, it } from 'vitest';
import type { WatchLine } from '../api/watch-wire.js';
import { MemoryBackend } from '../backend/index.js';
import { RoleSet } from '../rbac/index.js';
import { createServices } from '../services/index.js';
import { builtinRole } from './builtin-roles.js';
import type { Caller } from './caller.js';
import { ResourceWatches } from './watch-events.js';

const nodeCaller: Caller = { username: 'h.c', systemRole: 'Node', hostId: 'h', roles: [], traits: {}, checker: new RoleSet([builtinRole('Node', 'h')!]), identity: {} as never };
const node = (name: string) => ({ kind: 'node' as const, version: 'v2' as const, metadata: { name }, spec: { hostname: name, addr: '127.0.0.1:1' } });

/** Timers a test fires by hand. */
function manualAfter() {
  const due: (() => void)[] = [];
  return {
    after: (_ms: number, cb: () => void) => {
      due.push(cb);
      return () => {
        const i = due.indexOf(cb);
        if (i >= 0) due.splice(i, 1);
      };
    },
    fire: () => due.splice(0).forEach((cb) => cb()),
  };
}

function setup(limit = 10_000) {
  const backend = new MemoryBackend({ watchBufferLimit: limit });
  const services = createServices(backend);
  const timers = manualAfter();
  const watches = new ResourceWatches({ services, pingMs: 1_000, after: timers.after });
  return { backend, services, timers, watches };
}

const parse = (b: Buffer): WatchLine => JSON.parse(b.toString('utf8')) as WatchLine;

describe('ResourceWatches', () => {
  it('sends init with the ping interval, then events, and a ping when nothing happens', async () => {
    const { services, timers, watches } = setup();
    const it = watches.open(nodeCaller, ['node'])[Symbol.asyncIterator]();
    expect(parse((await it.next()).value)).toEqual({ type: 'init', ping_interval_ms: 1_000 });
    const pending = it.next();
    timers.fire();
    expect(parse((await pending).value)).toEqual({ type: 'ping' });
    await services.nodes.upsert(node('n1') as never);
    await services.roles.upsert({ kind: 'role', version: 'v7', metadata: { name: 'unwatched' }, spec: { allow: {}, deny: {}, options: {} } } as never);
    await services.nodes.delete('n1');
    const put = parse((await it.next()).value);
    expect(put).toMatchObject({ type: 'put', resource: { kind: 'node', metadata: { name: 'n1' } } });
    expect(parse((await it.next()).value)).toEqual({ type: 'delete', resource: { kind: 'node', metadata: { name: 'n1' } } });
    await it.return?.();
    expect(watches.size).toBe(0);
  });

  it('drops a watcher that fell behind with LimitExceededError (the client re-syncs)', async () => {
    const { services, watches } = setup(5);
    const it = watches.open(nodeCaller, ['node'])[Symbol.asyncIterator]();
    await it.next();
    for (let i = 0; i < 10; i++) await services.nodes.upsert(node(`n${i}`) as never);
    await expect(
      (async () => {
        for (;;) if ((await it.next()).done) return;
      })(),
    ).rejects.toMatchObject({ code: 'limit_exceeded' });
    expect(watches.size).toBe(0);
  });

  it('ends quietly when the client aborts, with ConnectionProblemError on shutdown, and refuses new streams after', async () => {
    const { watches } = setup();
    const ac = new AbortController();
    const a = watches.open(nodeCaller, ['node'], ac.signal)[Symbol.asyncIterator]();
    await a.next();
    const b = watches.open(nodeCaller, ['cert_authority'])[Symbol.asyncIterator]();
    await b.next();
    expect(watches.size).toBe(2);
    const aNext = a.next();
    ac.abort();
    expect((await aNext).done).toBe(true);
    const bNext = b.next();
    watches.close();
    watches.close();
    await expect(bNext).rejects.toMatchObject({ code: 'connection_problem' });
    expect(watches.size).toBe(0);
    expect(() => watches.open(nodeCaller, ['node'])).toThrow(/shutting down/);
  });
});
