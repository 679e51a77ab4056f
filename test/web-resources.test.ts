// The unified resources endpoint (`GET /webapi/sites/:site/resources`, Teleport's
// clusterUnifiedResourcesGet) against a real cluster: a user sees only the nodes their roles allow,
// pages follow `startKey` to the end with the total on each, search, query and sort act, and
// unknown kinds and malformed parameters are refused with a 400 that says what was wrong.
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { WebAgent, inviteUser } from './helpers/web-http.js';

const PASSWORD = 'resources test password';
const me = userInfo().username;

const node = (name: string, env: string) => ({
  kind: 'node',
  version: 'v2',
  metadata: { name: `uuid-${name}`, labels: { env, tier: name.endsWith('1') ? 'front' : 'back' } },
  spec: { hostname: name, addr: `10.0.${env === 'prod' ? 1 : 2}.${name.slice(-1)}:3022` },
});

describe('GET /webapi/sites/:site/resources', () => {
  let c: TestCluster;
  let alice: WebAgent;
  let root: WebAgent;
  const hostnames = (json: Record<string, unknown>) => (json.items as { hostname: string }[]).map((n) => n.hostname);

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'res.test' });
    const admin = await c.admin();
    await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'prod-only' }, spec: { allow: { logins: [me], node_labels: { env: 'prod' } } } });
    for (const n of ['prod-1', 'prod-2', 'prod-3', 'prod-4', 'prod-5']) await admin.createResource(node(n, 'prod'), { force: true });
    for (const n of ['dev-1', 'dev-2', 'dev-3']) await admin.createResource(node(n, 'dev'), { force: true });
    const login = async (name: string, roles: string[]) => {
      const secret = await inviteUser(c, name, roles, [me], PASSWORD);
      const agent = new WebAgent(c);
      const r = await agent.login(name, PASSWORD, totpCode(secret, Date.now() + 30_000));
      if (r.status !== 200) throw new Error(`login of ${name} failed: ${r.text}`);
      return agent;
    };
    [alice, root] = await Promise.all([login('alice', ['prod-only']), login('root', ['access'])]);
  }, 60_000);
  afterAll(async () => c?.close());

  it("lists only the nodes the user's roles allow, in Teleport's item shape", async () => {
    const r = await alice.call('GET', '/v1/webapi/sites/res.test/resources?kinds=node');
    expect(r.status).toBe(200);
    expect(hostnames(r.json)).toEqual(['prod-1', 'prod-2', 'prod-3', 'prod-4', 'prod-5']);
    expect(r.json).toMatchObject({ startKey: '', totalCount: 5 });
    expect((r.json.items as unknown[])[0]).toEqual({
      kind: 'node',
      id: 'uuid-prod-1',
      siteId: 'res.test',
      hostname: 'prod-1',
      addr: '10.0.1.1:3022',
      tunnel: false,
      subKind: 'teleport',
      tags: [
        { name: 'env', value: 'prod' },
        { name: 'tier', value: 'front' },
      ],
      sshLogins: [me],
    });
    // No kinds means every kind; the other user sees all eight.
    expect(hostnames((await alice.call('GET', '/v1/webapi/sites/-current-/resources')).json)).toHaveLength(5);
    expect((await root.call('GET', '/v1/webapi/sites/res.test/resources')).json.totalCount).toBe(8);
  });

  it('pages with startKey to the end, the total on every page, in either direction', async () => {
    for (const dir of ['asc', 'desc']) {
      const seen: string[] = [];
      let startKey = '';
      let pages = 0;
      do {
        const q = new URLSearchParams({ kinds: 'node', limit: '2', sort: `name:${dir}`, ...(startKey && { startKey }) });
        const r = await root.call('GET', `/v1/webapi/sites/res.test/resources?${q}`);
        expect(r.status).toBe(200);
        expect(r.json.totalCount).toBe(8);
        expect((r.json.items as unknown[]).length).toBeLessThanOrEqual(2);
        seen.push(...hostnames(r.json));
        startKey = String(r.json.startKey);
        pages++;
      } while (startKey !== '');
      const all = ['dev-1', 'dev-2', 'dev-3', 'prod-1', 'prod-2', 'prod-3', 'prod-4', 'prod-5'];
      expect(pages).toBe(4);
      expect(seen).toEqual(dir === 'asc' ? all : all.reverse());
    }
  });

  it('keeps its place when a node joins before the page being read', async () => {
    const first = await alice.call('GET', '/v1/webapi/sites/res.test/resources?limit=3');
    expect(hostnames(first.json)).toEqual(['prod-1', 'prod-2', 'prod-3']);
    const admin = await c.admin();
    await admin.createResource(node('prod-0', 'prod'), { force: true });
    const next = await alice.call('GET', `/v1/webapi/sites/res.test/resources?limit=3&startKey=${first.json.startKey as string}`);
    expect(hostnames(next.json)).toEqual(['prod-4', 'prod-5']);
    expect(next.json).toMatchObject({ startKey: '', totalCount: 6 });
    await admin.deleteResource('node', 'uuid-prod-0');
  });

  it('searches words and quoted phrases, filters by query and sorts by a field of the kind', async () => {
    const get = async (q: Record<string, string>) => root.call('GET', `/v1/webapi/sites/res.test/resources?${new URLSearchParams(q)}`);
    expect(hostnames((await get({ search: 'prod FRONT' })).json)).toEqual(['prod-1']);
    expect(hostnames((await get({ search: '"env: dev"' })).json)).toEqual(['dev-1', 'dev-2', 'dev-3']);
    expect(hostnames((await get({ search: 'uuid-dev-2' })).json)).toEqual(['dev-2']);
    expect(hostnames((await get({ query: 'labels.env == "dev" && labels["tier"] != "front"' })).json)).toEqual(['dev-2', 'dev-3']);
    expect(hostnames((await get({ query: 'hasPrefix(resource.spec.hostname, "prod") && !(name == "uuid-prod-2")', limit: '2' })).json)).toEqual(['prod-1', 'prod-3']);
    expect(hostnames((await get({ query: 'exists(labels.tier)', search: 'dev', sort: 'addr:desc' })).json)).toEqual(['dev-3', 'dev-2', 'dev-1']);
    // Names sort as people read them: num-2 before num-10.
    const admin = await c.admin();
    for (const n of ['num-10', 'num-2']) await admin.createResource(node(n, 'num'), { force: true });
    expect(hostnames((await get({ search: 'num-' })).json)).toEqual(['num-2', 'num-10']);
    for (const n of ['num-10', 'num-2']) await admin.deleteResource('node', `uuid-${n}`);
    // The /nodes listing is the same list, of nodes only.
    const nodes = await alice.call('GET', '/v1/webapi/sites/res.test/nodes?search=prod-2');
    expect(nodes.json).toMatchObject({ items: [expect.objectContaining({ hostname: 'prod-2' })], totalCount: 1, startKey: '' });
  });

  it('refuses unknown kinds and malformed parameters with a 400 naming the problem', async () => {
    const cases: [string, RegExp][] = [
      ['kinds=windows_desktop', /unknown resource kind "windows_desktop" in kinds \(this endpoint lists: node, db, [a-z_, ]+\)/],
      ['kinds=node&kinds=git_server', /unknown resource kind "git_server"/],
      ['kinds=node,bogus', /unknown resource kind "bogus"/],
      ['limit=0', /limit must be a whole number from 1 to 1000, got "0"/],
      ['limit=ten', /limit must be a whole number/],
      ['sort=color:asc', /cannot sort by "color" \(sortable: name, kind, hostname, addr, tunnel, description, protocol, type[a-z_, ]*\)/],
      ['sort=name:up', /sort direction must be asc or desc, got "up"/],
      ['startKey=not-a-key', /startKey is not one this endpoint gave out/],
      ['query=' + encodeURIComponent('labels.env =='), /^Query: parse error at position \d+/i],
      ['query=' + encodeURIComponent('search("x")'), /query: parse error .*unsupported function "search"/],
      ['query=labels.env', /query: expected a boolean expression/],
      ['pinnedOnly=true', /pinnedOnly=true is not supported/],
      ['searchAsRoles=yes', /access requests are not supported/],
      ['includedResourceMode=requestable', /access requests are not supported/],
    ];
    for (const [q, message] of cases) {
      const r = await alice.call('GET', `/v1/webapi/sites/res.test/resources?${q}`);
      expect(r.status, q).toBe(400);
      expect((r.json.error as { message: string }).message, q).toMatch(message);
    }
    // Teleport's UI sends their neutral values, which pass.
    expect((await alice.call('GET', '/v1/webapi/sites/res.test/resources?pinnedOnly=false&searchAsRoles=&includedResourceMode=accessible')).json.totalCount).toBe(5);
    // /nodes lists nodes only.
    expect((await alice.call('GET', '/v1/webapi/sites/res.test/nodes?kinds=db')).status).toBe(400);
    expect((await new WebAgent(c).call('GET', '/v1/webapi/sites/res.test/resources')).status).toBe(401);
  });
});
