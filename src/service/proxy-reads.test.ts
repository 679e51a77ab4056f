import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthClient } from '../api/client/index.js';
import type { Clock } from '../api/clock.js';
import { ConnectionProblemError } from '../api/errors.js';
import type { WatchedResource } from '../api/watch-wire.js';
import { silentLogger } from '../log/index.js';
import { ManualTimers } from '../reversetunnel/testing/manual-timers.js';
import { remoteProxyReads, type ProxyReads } from './proxy-reads.js';
import { FakeWatchAuth, node } from './testing/fake-watch-auth.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
};

/** An AuthClient stand-in over a FakeWatchAuth, counting the list calls that reach "auth". */
function fakeClient(auth: FakeWatchAuth) {
  const calls = { listNodes: 0 };
  const refuse = () => {
    if (auth.down) throw new ConnectionProblemError('auth is down');
  };
  const client = {
    addr: '127.0.0.1:1',
    allAddrs: ['127.0.0.1:1'],
    watchEvents: (kinds: readonly string[], opts: { signal: AbortSignal }) => auth.watch(kinds, opts),
    listNodes: async () => {
      calls.listNodes++;
      return auth.load('node');
    },
    listProxies: () => auth.load('proxy'),
    listAgentServers: (kind: string) => auth.load(kind),
    listResources: (kind: string) => auth.load(kind),
    getResource: async (kind: string, ref: string) => {
      refuse();
      const [type, name] = ref.split('/');
      const r = [...auth.state.values()].find((x) => x.kind === kind && x.sub_kind === type && x.metadata.name === name);
      if (!r) throw new Error('not found');
      return r;
    },
  };
  return { calls, client: client as unknown as AuthClient };
}

/** An ed25519 key's SSH wire blob. */
function sshBlob(): Buffer {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
}

const userCA = (blob: Buffer) => ({
  kind: 'cert_authority',
  sub_kind: 'user',
  version: 'v2',
  metadata: { name: 'c' },
  spec: { type: 'user', cluster_name: 'c', active_keys: { ssh: [{ public_key: Buffer.from(`ssh-ed25519 ${blob.toString('base64')}`).toString('base64') }] } },
});

describe('remoteProxyReads (watch-fed)', () => {
  let reads: ProxyReads | undefined;
  afterEach(() => reads?.close());

  it('serves nodes, proxies and CA keys from the watch; changes arrive without a read; auth down keeps the last state', async () => {
    const auth = new FakeWatchAuth();
    auth.put(node('a'));
    auth.put({ kind: 'proxy', metadata: { name: 'p1' } });
    const blob = sshBlob();
    auth.put(userCA(blob));
    const { calls, client } = fakeClient(auth);
    const timers = new ManualTimers();
    reads = remoteProxyReads({ client, clusterName: 'c', dial: () => Promise.reject(new Error('unused')), logger: silentLogger, timers });
    await settle();
    const listed = calls.listNodes;
    expect((await reads.nodes()).map((n) => n.metadata.name)).toEqual(['a']);
    expect(await reads.proxyNames()).toEqual(['p1']);

    auth.put(node('c'));
    auth.put(node('b'));
    await settle();
    expect((await reads.nodes()).map((n) => n.metadata.name)).toEqual(['a', 'b', 'c']);
    expect(calls.listNodes).toBe(listed);

    auth.down = true;
    auth.breakAll();
    await settle();
    timers.advance(5_000);
    await settle();
    expect((await reads.nodes()).map((n) => n.metadata.name)).toEqual(['a', 'b', 'c']);
    expect(await reads.proxyNames()).toEqual(['p1']);
    expect(await reads.userCAKeys()).toEqual([blob]);
    expect(await reads.hostCAKeys()).toEqual([]);
  });

  it('reads auth directly until the first sync, and throws ConnectionProblemError when nothing was ever read', async () => {
    const auth = new FakeWatchAuth();
    auth.down = true;
    const { client } = fakeClient(auth);
    const timers = new ManualTimers();
    reads = remoteProxyReads({ client, clusterName: 'c', dial: () => Promise.reject(new Error('unused')), logger: silentLogger, timers });
    await expect(reads.nodes()).rejects.toBeInstanceOf(ConnectionProblemError);
    await expect(reads.userCAKeys()).rejects.toBeInstanceOf(ConnectionProblemError);
    auth.down = false;
    auth.putQuietly(node('a'));
    expect((await reads.nodes()).map((n) => n.metadata.name)).toEqual(['a']);
    timers.advance(1_000);
    await settle();
    auth.put(node('b'));
    await settle();
    expect((await reads.nodes()).map((n) => n.metadata.name)).toEqual(['a', 'b']);
  });

  it('does not serve a node whose heartbeat expired while no delete could arrive', async () => {
    const auth = new FakeWatchAuth();
    auth.put(node('a'));
    auth.put({ ...node('b'), metadata: { name: 'b', expires: new Date(10_000).toISOString() } as WatchedResource['metadata'] });
    const { client } = fakeClient(auth);
    let t = 0;
    reads = remoteProxyReads({ client, clusterName: 'c', dial: () => Promise.reject(new Error('unused')), logger: silentLogger, clock: { now: () => t }, timers: new ManualTimers() });
    await settle();
    auth.down = true;
    auth.breakAll();
    await settle();
    expect((await reads.nodes()).map((n) => n.metadata.name)).toEqual(['a', 'b']);
    t = 10_000;
    expect((await reads.nodes()).map((n) => n.metadata.name)).toEqual(['a']);
  });

  it('freshNodes reads past the cache, at most once a second', async () => {
    const auth = new FakeWatchAuth();
    auth.put(node('a'));
    const { calls, client } = fakeClient(auth);
    let t = 0;
    const clock: Clock = { now: () => t };
    reads = remoteProxyReads({ client, clusterName: 'c', dial: () => Promise.reject(new Error('unused')), logger: silentLogger, clock, timers: new ManualTimers() });
    await settle();
    const before = calls.listNodes;
    auth.putQuietly(node('b'));
    expect((await reads.freshNodes()).map((n) => n.metadata.name)).toEqual(['a', 'b']);
    auth.putQuietly(node('c'));
    t = 500;
    expect((await reads.freshNodes()).map((n) => n.metadata.name)).toEqual(['a', 'b']);
    t = 1_500;
    expect((await reads.freshNodes()).map((n) => n.metadata.name)).toEqual(['a', 'b', 'c']);
    expect(calls.listNodes).toBe(before + 2);
  });

  it('serves app_server heartbeats from the watch, one per host and name, a delete naming the host', async () => {
    const auth = new FakeWatchAuth();
    const app = (host: string, name: string) => ({ kind: 'app_server', version: 'v3', metadata: { name }, spec: { host_id: host, hostname: host } }) as WatchedResource;
    auth.put(app('h1', 'grafana'));
    auth.put(app('h2', 'grafana'));
    const { client } = fakeClient(auth);
    reads = remoteProxyReads({ client, clusterName: 'c', dial: () => Promise.reject(new Error('unused')), logger: silentLogger, timers: new ManualTimers() });
    await settle();
    const hosts = async () => (await reads!.agentServers('app_server')).map((s) => `${s.spec.host_id}/${s.metadata.name}`).sort();
    expect(await hosts()).toEqual(['h1/grafana', 'h2/grafana']);
    auth.remove('app_server', 'grafana', 'h1');
    await settle();
    expect(await hosts()).toEqual(['h2/grafana']);
    expect(await reads.agentServers('db_server')).toEqual([]);
  });
});
