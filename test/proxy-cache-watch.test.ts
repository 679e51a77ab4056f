// The auth API's watch stream (GET /v1/watch) against a real cluster, through the AuthClient: a node
// identity sees node and CA events (CAs without private keys), in order, and may not watch what it
// may not read; a user sees only the nodes its roles reach, deletes included; an aborted client and
// a closing auth server leave no watcher behind.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../src/api/client/index.js';
import type { WatchEvent } from '../src/api/watch-wire.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

const key = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};

const nodeResource = (name: string, env: string) => ({ kind: 'node', version: 'v2', metadata: { name, labels: { env } }, spec: { hostname: name, addr: '127.0.0.1:3022' } });

/** Reads events from a watch in the background; `until` waits for one matching. */
function reader(client: AuthClient, kinds: string[]) {
  const ac = new AbortController();
  const events: WatchEvent[] = [];
  let failure: unknown;
  let wake = (): void => undefined;
  const done = (async () => {
    try {
      for await (const e of client.watchEvents(kinds, { signal: ac.signal })) {
        events.push(e);
        wake();
      }
    } catch (err) {
      failure = err;
      wake();
    }
  })();
  return {
    events,
    get failure() {
      return failure;
    },
    async until(pred: (e: WatchEvent) => boolean): Promise<void> {
      while (!events.some(pred)) {
        if (failure) throw failure as Error;
        await new Promise<void>((r) => (wake = r));
      }
    },
    async stop() {
      ac.abort();
      await done;
    },
  };
}

/** `put:name` / `delete:name` of the events other than init. */
const labels = (events: WatchEvent[], kind: string) => events.flatMap((e) => (e.type !== 'init' && e.resource.kind === kind ? [`${e.type}:${e.resource.metadata.name}`] : []));

const named = (type: string, name: string) => (e: WatchEvent) => e.type === type && 'resource' in e && e.resource.metadata.name === name;

describe('auth API watch stream', () => {
  let c: TestCluster;
  let admin: AuthClient;
  const watches = () => c.process.authServer!.auth.watches;

  async function hostClient(role: string): Promise<AuthClient> {
    const k = key();
    const certs = await admin.generateHostCerts({ host_id: `h-${role}`, node_name: `h-${role}`, role, public_key: k.publicPem });
    return new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, credentials: { keyPem: k.keyPem, certPem: certs.tls, caPems: certs.tls_ca_certs } });
  }

  async function userClient(name: string, roles: string[]): Promise<AuthClient> {
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name }, spec: { roles, traits: {} } });
    const k = key();
    const certs = await admin.generateUserCerts({ username: name, public_key: k.publicPem });
    return new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, credentials: { keyPem: k.keyPem, certPem: certs.tls, caPems: certs.tls_ca_certs } });
  }

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'watch.test' });
    admin = await c.admin();
  });
  afterAll(async () => {
    await c?.close();
  });

  it('gives a node init, then node puts and deletes in order and CA changes without private keys', async () => {
    const node = await hostClient('Node');
    const w = reader(node, ['node', 'cert_authority']);
    await w.until((e) => e.type === 'init');
    expect(w.events[0]).toEqual({ type: 'init' });

    await admin.createResource(nodeResource('n1', 'dev'), { force: true });
    const ca = await admin.getResource<Record<string, unknown>>('cert_authority', `user/${c.clusterName}`, { withSecrets: true });
    await admin.createResource(ca, { force: true });
    await admin.deleteResource('node', 'n1');
    await w.until(named('delete', 'n1'));
    await w.until((e) => e.type === 'put' && e.resource.kind === 'cert_authority');

    expect(labels(w.events, 'node')).toEqual(['put:n1', 'delete:n1']);
    const put = w.events.find((e) => e.type === 'put' && e.resource.kind === 'cert_authority');
    expect(put && put.type === 'put' && put.resource.sub_kind).toBe('user');
    expect(JSON.stringify(ca)).toMatch(/"private_key"/);
    expect(JSON.stringify(put)).not.toMatch(/"private_key"|"key"/);
    expect(JSON.stringify(put)).toContain('public_key');
    await w.stop();
    expect(w.failure).toBeUndefined();
  });

  it('refuses kinds the caller may not read, unknown kinds and an empty list, before any stream', async () => {
    const node = await hostClient('Node');
    const first = (kinds: string[]) => node.watchEvents(kinds)[Symbol.asyncIterator]().next();
    await expect(first(['node', 'bogus'])).rejects.toMatchObject({ code: 'bad_parameter', message: expect.stringContaining('"bogus" cannot be watched') });
    await expect(first([''])).rejects.toMatchObject({ code: 'bad_parameter' });
    const plain = await userClient('no-rules', ['access']);
    await expect(plain.watchEvents(['node', 'role'])[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'access_denied', message: expect.stringContaining('watch role') });
  });

  it('shows a user only the nodes its roles reach: puts, a node moving out of reach, and deletes', async () => {
    await admin.createResource({
      kind: 'role',
      version: 'v7',
      metadata: { name: 'prod-viewer' },
      spec: { allow: { node_labels: { env: 'prod' }, rules: [{ resources: ['node'], verbs: ['list', 'read'] }] } },
    });
    const heart = { heartbeatNode: (n: unknown) => admin.createResource(n, { force: true }) };
    await heart.heartbeatNode(nodeResource('p0', 'prod'));
    await heart.heartbeatNode(nodeResource('d0', 'dev'));
    const user = await userClient('viewer', ['prod-viewer']);
    const w = reader(user, ['node']);
    await w.until((e) => e.type === 'init');

    await heart.heartbeatNode(nodeResource('d1', 'dev'));
    await heart.heartbeatNode(nodeResource('p1', 'prod'));
    await admin.deleteResource('node', 'd0');
    await admin.deleteResource('node', 'p0');
    await heart.heartbeatNode(nodeResource('p1', 'dev'));
    await heart.heartbeatNode(nodeResource('p2', 'prod'));
    await w.until(named('put', 'p2'));
    expect(labels(w.events, 'node')).toEqual(['put:p1', 'delete:p0', 'delete:p1', 'put:p2']);
    await w.stop();
  });

  it('drops the server watcher when the client aborts, and ends open streams when auth closes', async () => {
    const node = await hostClient('Node');
    const before = watches().size;
    const w = reader(node, ['node']);
    await w.until((e) => e.type === 'init');
    expect(watches().size).toBe(before + 1);
    await w.stop();
    for (let i = 0; i < 100 && watches().size > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(watches().size).toBe(before);

    const w2 = reader(node, ['node']);
    await w2.until((e) => e.type === 'init');
    watches().close();
    await w2.until(() => false).catch(() => undefined);
    expect(w2.failure).toMatchObject({ code: 'connection_problem' });
    expect(watches().size).toBe(0);
    await expect(node.watchEvents(['node'])[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'connection_problem' });
  });
});
