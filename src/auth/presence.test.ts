// Node listing narrowed to one host name (tsh resolving `tsh ssh <host>`): by UUID, hostname,
// address host and `<name>.<cluster>`, and still filtered by the user's roles.
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { MemoryBackend } from '../backend/index.js';
import { presetRoles } from '../rbac/index.js';
import { createServices, type Services } from '../services/index.js';
import type { Identity } from '../tlsca/index.js';
import { callerFromIdentity } from './caller.js';
import { listNodes } from './presence.js';

const CLUSTER = 'presence.test';
const node = (name: string, hostname: string, addr: string, labels: Record<string, string> = {}) =>
  ({ kind: 'node', version: 'v2', metadata: { name, labels }, spec: { hostname, addr } }) as never;

describe('listNodes with a host', () => {
  let services: Services;
  beforeEach(async () => {
    services = createServices(new MemoryBackend({ clock: new FakeClock() }));
    for (const r of presetRoles()) await services.roles.upsert(r);
    await services.nodes.upsert(node('uuid-1', 'web', '10.0.0.1:3022'));
    await services.nodes.upsert(node('uuid-2', 'web', '10.0.0.2:3022'));
    await services.nodes.upsert(node('uuid-3', 'db', '[fd00::3]:3022', { env: 'prod' }));
  });

  it('keeps the nodes the name may mean', async () => {
    const admin = await callerFromIdentity(services, { username: `admin.${CLUSTER}`, groups: ['Admin'], teleportCluster: CLUSTER } as Identity, 'host');
    const names = async (host?: string) => (await listNodes(services, admin, host === undefined ? undefined : { name: host, clusterName: CLUSTER })).map((n) => n.metadata.name).sort();
    expect(await names()).toEqual(['uuid-1', 'uuid-2', 'uuid-3']);
    expect(await names('web')).toEqual(['uuid-1', 'uuid-2']);
    expect(await names('uuid-3')).toEqual(['uuid-3']);
    expect(await names(`uuid-3.${CLUSTER}`)).toEqual(['uuid-3']);
    expect(await names(`db.${CLUSTER}`)).toEqual(['uuid-3']);
    expect(await names('10.0.0.2')).toEqual(['uuid-2']);
    expect(await names('fd00::3')).toEqual(['uuid-3']);
    expect(await names('nope')).toEqual([]);
  });

  it("filters by the user's roles as the full listing does", async () => {
    await services.roles.upsert({ kind: 'role', version: 'v7', metadata: { name: 'prod' }, spec: { allow: { node_labels: { env: 'prod' } }, deny: {}, options: {} } } as never);
    const bob = await callerFromIdentity(services, { username: 'bob', groups: ['prod'] } as Identity, 'user');
    expect((await listNodes(services, bob, { name: 'db', clusterName: CLUSTER })).map((n) => n.metadata.name)).toEqual(['uuid-3']);
    expect(await listNodes(services, bob, { name: 'web', clusterName: CLUSTER })).toEqual([]);
  });
});
