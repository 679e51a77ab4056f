// Databases in the unified resources endpoint (`GET /webapi/sites/:site/resources`) against a real
// cluster whose db_service serves two databases (heartbeats only: nothing listens at their URIs).
// A user whose role's db_labels reach one sees that one, in Teleport's item shape, beside the
// servers; a user whose role reaches no database sees none; search, query and the `db` kind act.
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { WebAgent, inviteUser } from './helpers/web-http.js';

const PASSWORD = 'db resources test password';
const me = userInfo().username;

describe('databases in GET /webapi/sites/:site/resources', () => {
  let c: TestCluster;
  let alice: WebAgent;
  let bob: WebAgent;
  let root: WebAgent;
  const items = async (agent: WebAgent, q = '') => {
    const r = await agent.call('GET', `/v1/webapi/sites/dbres.test/resources${q}`);
    expect(r.status, r.text).toBe(200);
    return r.json.items as { kind: string; name?: string; hostname?: string }[];
  };
  const names = (list: { kind: string; name?: string; hostname?: string }[]) => list.map((r) => `${r.kind}:${r.name ?? r.hostname}`);

  beforeAll(async () => {
    c = await startCluster({
      clusterName: 'dbres.test',
      extraSections: [
        'db_service:',
        '  enabled: yes',
        '  databases:',
        '  - name: orders-pg',
        '    description: Orders in PostgreSQL',
        '    protocol: postgres',
        '    uri: db1.internal.example:5432',
        '    static_labels: {env: prod, team: shop}',
        '  - name: scratch-mysql',
        '    protocol: mysql',
        '    uri: 127.0.0.1:3306',
        '    static_labels: {env: dev}',
      ].join('\n'),
    });
    const admin = await c.admin();
    await admin.createResource({ kind: 'node', version: 'v2', metadata: { name: 'uuid-dbres-node', labels: { env: 'prod' } }, spec: { hostname: 'dbres-node', addr: '10.0.0.9:3022' } }, { force: true });
    await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'prod-dbs' }, spec: { allow: { logins: [me], node_labels: { '*': '*' }, db_labels: { env: 'prod' }, db_users: ['reader'] } } });
    await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'servers-only' }, spec: { allow: { logins: [me], node_labels: { '*': '*' } } } });
    await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'all-dbs' }, spec: { allow: { logins: [me], node_labels: { '*': '*' }, db_labels: { '*': '*' } } } });
    const login = async (name: string, roles: string[]) => {
      const secret = await inviteUser(c, name, roles, [me], PASSWORD);
      const agent = new WebAgent(c);
      const r = await agent.login(name, PASSWORD, totpCode(secret, Date.now() + 30_000));
      if (r.status !== 200) throw new Error(`login of ${name} failed: ${r.text}`);
      return agent;
    };
    [alice, bob, root] = await Promise.all([login('alice', ['prod-dbs']), login('bob', ['servers-only']), login('root', ['all-dbs'])]);
    // The db_service heartbeats once it has started; wait for both databases.
    for (let i = 0; ; i++) {
      const seen = names(await items(root));
      if (seen.includes('db:orders-pg') && seen.includes('db:scratch-mysql')) break;
      if (i > 200) throw new Error(`the heartbeats never arrived; listed: ${seen.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);
  afterAll(async () => c?.close());

  it("lists the databases the user's roles reach beside the servers, in Teleport's item shape", async () => {
    expect(names(await items(alice))).toEqual(['node:dbres-node', 'db:orders-pg']);
    expect((await items(alice, '?kinds=db'))[0]).toEqual({
      kind: 'db',
      name: 'orders-pg',
      description: 'Orders in PostgreSQL',
      type: 'self-hosted',
      protocol: 'postgres',
      labels: [
        { name: 'env', value: 'prod' },
        { name: 'team', value: 'shop' },
      ],
      hostname: 'db1.internal.example',
    });
    expect(names(await items(root, '?kinds=db'))).toEqual(['db:orders-pg', 'db:scratch-mysql']);
  });

  it('lists no database for a user whose roles reach none', async () => {
    expect(names(await items(bob))).toEqual(['node:dbres-node']);
    const r = await bob.call('GET', '/v1/webapi/sites/dbres.test/resources?kinds=db');
    expect(r.json).toEqual({ items: [], startKey: '', totalCount: 0 });
  });

  it('searches, filters and sorts databases by their fields', async () => {
    expect(names(await items(root, '?search=mysql'))).toEqual(['db:scratch-mysql']);
    expect(names(await items(root, `?${new URLSearchParams({ search: 'orders "team: shop"' })}`))).toEqual(['db:orders-pg']);
    expect(names(await items(root, `?${new URLSearchParams({ query: 'resource.spec.protocol == "postgres"' })}`))).toEqual(['db:orders-pg']);
    expect(names(await items(root, `?${new URLSearchParams({ kinds: 'db', sort: 'protocol:asc' })}`))).toEqual(['db:scratch-mysql', 'db:orders-pg']);
    expect(names(await items(root, `?${new URLSearchParams({ sort: 'kind:asc' })}`))).toEqual(['db:orders-pg', 'db:scratch-mysql', 'node:dbres-node']);
  });
});
