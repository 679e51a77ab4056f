// Semaphores for max_connections: leases up to the maximum, refused past it with MAX_LEASES, given
// back by cancel, lapsing when not renewed within their expiry, renewals of a lapsed lease refused;
// a node may hold and touch only leases naming it as holder; concurrent acquires never exceed the max.
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { AccessDeniedError, BadParameterError, LimitExceededError, NotFoundError } from '../api/errors.js';
import { MemoryBackend } from '../backend/index.js';
import { presetRoles } from '../rbac/index.js';
import { createServices, type Services } from '../services/index.js';
import type { Identity } from '../tlsca/index.js';
import { callerFromIdentity, type Caller } from './caller.js';
import { MAX_LEASES, Semaphores } from './semaphores.js';

const CLUSTER = 'sem.test';
const MINUTE = 60_000;

describe('Semaphores', () => {
  let clock: FakeClock;
  let services: Services;
  let sems: Semaphores;
  const host = (id: string): Promise<Caller> => callerFromIdentity(services, { username: `${id}.${CLUSTER}`, groups: ['Node'], teleportCluster: CLUSTER } as Identity, 'host');
  const req = (holder: string, max = 2) => ({ semaphore_kind: 'connection', semaphore_name: 'alice', max_leases: max, holder, expires_ms: 2 * MINUTE });

  beforeEach(async () => {
    clock = new FakeClock();
    services = createServices(new MemoryBackend({ clock }));
    for (const r of presetRoles()) await services.roles.upsert(r);
    sems = new Semaphores(services);
  });

  it('grants leases up to max_leases and refuses the next until one is given back', async () => {
    const a = await host('node-a');
    const one = await sems.acquire(a, req('node-a'));
    await sems.acquire(a, req('node-a'));
    await expect(sems.acquire(a, req('node-a'))).rejects.toThrow(LimitExceededError);
    await expect(sems.acquire(a, req('node-a'))).rejects.toThrow(MAX_LEASES);
    await sems.cancel(a, one);
    await sems.cancel(a, one); // twice is fine
    await sems.acquire(a, req('node-a'));
    expect(await sems.leases('connection', 'alice')).toHaveLength(2);
  });

  it('lets a lease lapse unless renewed, and refuses renewing a lapsed one', async () => {
    const a = await host('node-a');
    const kept = await sems.acquire(a, req('node-a'));
    const dropped = await sems.acquire(a, req('node-a'));
    clock.advance(MINUTE);
    await sems.renew(a, { ...kept, expires_ms: 2 * MINUTE });
    clock.advance(MINUTE + 1);
    expect((await sems.leases('connection', 'alice')).map((l) => l.lease_id)).toEqual([kept.lease_id]);
    await expect(sems.renew(a, { ...dropped, expires_ms: 2 * MINUTE })).rejects.toThrow(NotFoundError);
    // The lapsed slot is free again.
    await sems.acquire(a, req('node-a'));
  });

  it('lets a node hold and touch only leases naming it', async () => {
    const a = await host('node-a');
    const b = await host('node-b');
    await expect(sems.acquire(a, req('node-b'))).rejects.toThrow(AccessDeniedError);
    const lease = await sems.acquire(a, req('node-a'));
    await expect(sems.renew(b, { ...lease, expires_ms: MINUTE })).rejects.toThrow(AccessDeniedError);
    await expect(sems.cancel(b, lease)).rejects.toThrow(AccessDeniedError);
    const alice = await callerFromIdentity(services, { username: 'alice', groups: ['access'] } as Identity, 'user');
    await expect(sems.acquire(alice, req('node-a'))).rejects.toThrow(AccessDeniedError);
  });

  it('refuses malformed requests', async () => {
    const a = await host('node-a');
    await expect(sems.acquire(a, { ...req('node-a'), semaphore_kind: 'other' })).rejects.toThrow(BadParameterError);
    await expect(sems.acquire(a, { ...req('node-a'), max_leases: 0 })).rejects.toThrow(BadParameterError);
    await expect(sems.acquire(a, { ...req('node-a'), expires_ms: -1 })).rejects.toThrow(BadParameterError);
    await expect(sems.acquire(a, { ...req('node-a'), semaphore_name: '../x' })).rejects.toThrow(BadParameterError);
  });

  it('never grants more than max_leases to concurrent acquires', async () => {
    const a = await host('node-a');
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => sems.acquire(a, req('node-a', 3))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(await sems.leases('connection', 'alice')).toHaveLength(3);
  });
});
