import { describe, expect, it } from 'vitest';
import { MemoryBackend, rangeEnd } from '../backend/index.js';
import { decodeItem, prefixesOfKind, refOfKey } from './resource-keys.js';
import { createServices } from './stores.js';

describe('resource keys', () => {
  it('maps every key the stores write for a watchable kind back to its kind, CA type and name, and decodes it', async () => {
    const backend = new MemoryBackend();
    const s = createServices(backend);
    await s.nodes.upsert({ kind: 'node', version: 'v2', metadata: { name: 'uuid-1' }, spec: { hostname: 'h', addr: '127.0.0.1:1' } } as never);
    await s.proxies.upsert({ kind: 'proxy', version: 'v2', metadata: { name: 'p-1' }, spec: { hostname: 'p' } } as never);
    await s.roles.upsert({ kind: 'role', version: 'v7', metadata: { name: 'dev' }, spec: { allow: {}, deny: {}, options: {} } } as never);
    await s.authPreference.upsert({ kind: 'cluster_auth_preference', version: 'v2', metadata: { name: 'cluster-auth-preference' }, spec: {} } as never);
    await s.clusterName.upsert({ kind: 'cluster_name', version: 'v2', metadata: { name: 'cluster-name' }, spec: { cluster_name: 'c' } } as never);
    await s.agentServers('app_server').upsert({ kind: 'app_server', version: 'v3', metadata: { name: 'grafana' }, spec: { host_id: 'h-1', hostname: 'h' } });
    // A sibling of a role's params and a user are not resources of a watchable kind.
    await backend.put({ key: '/roles/dev/other', value: '{}' });
    await s.users.upsert({ kind: 'user', version: 'v2', metadata: { name: 'alice' }, spec: { roles: [] } } as never);

    const items = await backend.getRange('/', rangeEnd('/'));
    const refs = items.map((i) => refOfKey(i.key)).filter(Boolean);
    expect(refs).toEqual(
      expect.arrayContaining([
        { kind: 'node', name: 'uuid-1' },
        { kind: 'proxy', name: 'p-1' },
        { kind: 'role', name: 'dev' },
        { kind: 'cluster_auth_preference', name: 'cluster-auth-preference' },
        { kind: 'cluster_name', name: 'cluster-name' },
        { kind: 'app_server', subKind: 'h-1', name: 'grafana' },
      ]),
    );
    expect(refs).toHaveLength(6);
    expect(refOfKey('/authorities/user/c')).toEqual({ kind: 'cert_authority', subKind: 'user', name: 'c' });
    expect(refOfKey('/roles/dev/other')).toBeUndefined();
    for (const i of items.filter((x) => refOfKey(x.key))) {
      const r = decodeItem(i);
      expect(r.metadata.revision).toBe(i.revision);
      expect(prefixesOfKind(r.kind)!.some((p) => i.key.startsWith(p))).toBe(true);
    }
    expect(() => decodeItem(items.find((i) => i.key === '/roles/dev/other')!)).toThrow(/no watchable resource/);
  });
});
