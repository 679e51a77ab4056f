// Session trackers on the auth side: a node writes and deletes only its own sessions' trackers,
// trackers expire unless refreshed, and users see all sessions only with a session_tracker
// list/read rule (auditor), else only those they take part in.
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import { newRole, type SessionTracker } from '../api/types/index.js';
import { MemoryBackend } from '../backend/index.js';
import { presetRoles } from '../rbac/index.js';
import { createServices, type Services } from '../services/index.js';
import type { Identity } from '../tlsca/index.js';
import { callerFromIdentity, type Caller } from './caller.js';
import { SessionTrackers } from './session-trackers.js';

const CLUSTER = 'trackers.test';

function tracker(id: string, hostId: string, user: string): SessionTracker {
  return {
    kind: 'session_tracker',
    version: 'v1',
    metadata: { name: id },
    spec: {
      session_id: id,
      kind: 'ssh',
      state: 'running',
      created: '2026-01-01T00:00:00.000Z',
      expires: '',
      cluster_name: CLUSTER,
      host_id: hostId,
      hostname: `host-${hostId}`,
      address: '127.0.0.1:3022',
      login: 'root',
      participants: [{ user, mode: 'peer', last_active: '2026-01-01T00:00:00.000Z' }],
    },
  };
}

describe('SessionTrackers', () => {
  let clock: FakeClock;
  let services: Services;
  let trackers: SessionTrackers;
  const host = (id: string, role = 'Node'): Promise<Caller> => callerFromIdentity(services, { username: `${id}.${CLUSTER}`, groups: [role], teleportCluster: CLUSTER } as Identity, 'host');
  const user = (name: string, roles: string[]): Promise<Caller> => callerFromIdentity(services, { username: name, groups: roles } as Identity, 'user');

  beforeEach(async () => {
    clock = new FakeClock();
    services = createServices(new MemoryBackend({ clock }));
    for (const r of presetRoles()) await services.roles.upsert(r);
    trackers = new SessionTrackers(services, CLUSTER);
  });

  it('lets a node write its own trackers, with an expiry, and refuses another host id', async () => {
    const a = await host('node-a');
    const saved = await trackers.upsert(a, tracker('s1', 'node-a', 'alice'), 90_000);
    expect(saved.spec.expires).toBe(new Date(clock.now() + 90_000).toISOString());
    await expect(trackers.upsert(a, tracker('s2', 'node-b', 'alice'))).rejects.toThrow(AccessDeniedError);
    // Naming itself does not let another node take over a session it does not run.
    const b = await host('node-b');
    await expect(trackers.upsert(b, { ...tracker('s1', 'node-b', 'alice') })).rejects.toThrow(AccessDeniedError);
    await expect(trackers.remove(b, 's1')).rejects.toThrow(AccessDeniedError);
    expect((await trackers.list(a)).map((t) => t.metadata.name)).toEqual(['s1']);
    await trackers.remove(a, 's1');
    await trackers.remove(a, 's1');
    expect(await trackers.list(a)).toEqual([]);
  });

  it('refuses users writing trackers and malformed trackers', async () => {
    const alice = await user('alice', ['access']);
    await expect(trackers.upsert(alice, tracker('s1', 'node-a', 'alice'))).rejects.toThrow(AccessDeniedError);
    const a = await host('node-a');
    await expect(trackers.upsert(a, { ...tracker('s1', 'node-a', 'alice'), metadata: { name: 'other' } })).rejects.toThrow(BadParameterError);
    await expect(trackers.upsert(a, tracker('s1', 'node-a', 'alice'), 0)).rejects.toThrow(BadParameterError);
  });

  it('drops a tracker the node stops refreshing', async () => {
    const a = await host('node-a');
    await trackers.upsert(a, tracker('s1', 'node-a', 'alice'), 90_000);
    clock.advance(60_000);
    await trackers.upsert(a, tracker('s1', 'node-a', 'alice'), 90_000);
    clock.advance(60_000);
    expect(await trackers.list(a)).toHaveLength(1);
    clock.advance(31_000);
    expect(await trackers.list(a)).toEqual([]);
  });

  it.each([
    { who: 'the owner (access)', name: 'alice', roles: ['access'], sees: ['s1'] },
    { who: 'another user (access)', name: 'bob', roles: ['access'], sees: [] },
    { who: 'an auditor', name: 'carol', roles: ['auditor'], sees: ['s1', 's2'] },
    { who: 'an editor (no session_tracker rule)', name: 'dave', roles: ['editor'], sees: [] },
  ])('lists sessions by RBAC: $who', async ({ name, roles, sees }) => {
    const a = await host('node-a');
    await trackers.upsert(a, tracker('s1', 'node-a', 'alice'));
    await trackers.upsert(a, tracker('s2', 'node-a', 'erin'));
    const caller = await user(name, roles);
    expect((await trackers.list(caller)).map((t) => t.metadata.name).sort()).toEqual(sees);
  });

  it('lists a session to a user whose join_sessions covers the owner’s roles, and no other', async () => {
    await services.roles.upsert(newRole('observe-access', { allow: { join_sessions: [{ name: 'watch', roles: ['access'], kinds: ['ssh'], modes: ['observer'] }] } }));
    const a = await host('node-a');
    await trackers.upsert(a, { ...tracker('s1', 'node-a', 'alice'), spec: { ...tracker('s1', 'node-a', 'alice').spec, host_policies: [{ name: 'access', version: 'v7' }] } });
    await trackers.upsert(a, { ...tracker('s2', 'node-a', 'erin'), spec: { ...tracker('s2', 'node-a', 'erin').spec, host_policies: [{ name: 'editor', version: 'v7' }] } });
    const frank = await user('frank', ['observe-access']);
    expect((await trackers.list(frank)).map((t) => t.metadata.name)).toEqual(['s1']);
  });

  it('lists every session to the proxy', async () => {
    const a = await host('node-a');
    await trackers.upsert(a, tracker('s1', 'node-a', 'alice'));
    expect(await trackers.list(await host('proxy-1', 'Proxy'))).toHaveLength(1);
  });
});
