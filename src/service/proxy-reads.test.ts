import { afterEach, describe, expect, it } from 'vitest';
import type { AuthClient } from '../api/client/index.js';
import type { Clock } from '../api/clock.js';
import { ConnectionProblemError } from '../api/errors.js';
import { silentLogger } from '../log/index.js';
import { remoteProxyReads, type ProxyReads } from './proxy-reads.js';

/** An AuthClient stand-in whose node list and reachability the test controls. */
function fakeClient() {
  const state = { calls: 0, down: false, nodes: ['a'] };
  const client = {
    addr: '127.0.0.1:1',
    allAddrs: ['127.0.0.1:1'],
    listNodes: async () => {
      state.calls++;
      if (state.down) throw new ConnectionProblemError('auth is down');
      return state.nodes.map((name) => ({ kind: 'node', metadata: { name } }));
    },
    listProxies: async () => [{ metadata: { name: 'p1' } }],
  };
  return { state, client: client as unknown as AuthClient };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('remoteProxyReads', () => {
  let reads: ProxyReads | undefined;
  afterEach(() => reads?.close());

  it('reads once, serves from the cache, refreshes in the background and keeps the last value while auth is down', async () => {
    const { state, client } = fakeClient();
    reads = remoteProxyReads({ client, clusterName: 'c', dial: () => Promise.reject(new Error('unused')), logger: silentLogger, refreshMs: 40, random: () => 0 });
    expect((await reads.nodes()).map((n) => n.metadata.name)).toEqual(['a']);
    await reads.nodes();
    expect(state.calls).toBe(1);

    state.nodes = ['a', 'b'];
    await sleep(120);
    expect((await reads.nodes()).map((n) => n.metadata.name)).toEqual(['a', 'b']);

    state.down = true;
    const before = state.calls;
    await sleep(120);
    expect(state.calls).toBeGreaterThan(before);
    expect((await reads.nodes()).map((n) => n.metadata.name)).toEqual(['a', 'b']);
    expect(await reads.proxyNames()).toEqual(['p1']);
  });

  it('throws when auth cannot be reached before anything was cached, and stops refreshing on close', async () => {
    const { state, client } = fakeClient();
    state.down = true;
    reads = remoteProxyReads({ client, clusterName: 'c', dial: () => Promise.reject(new Error('unused')), logger: silentLogger, refreshMs: 20 });
    await expect(reads.nodes()).rejects.toBeInstanceOf(ConnectionProblemError);
    state.down = false;
    await reads.nodes();
    reads.close();
    const after = state.calls;
    await sleep(80);
    expect(state.calls).toBe(after);
  });

  it('freshNodes reads past the cache, at most once a second', async () => {
    const { state, client } = fakeClient();
    let t = 0;
    const clock: Clock = { now: () => t };
    reads = remoteProxyReads({ client, clusterName: 'c', dial: () => Promise.reject(new Error('unused')), logger: silentLogger, refreshMs: 60_000, clock });
    await reads.nodes();
    state.nodes = ['a', 'b'];
    t = 500;
    expect((await reads.freshNodes()).map((n) => n.metadata.name)).toEqual(['a']);
    t = 1_500;
    expect((await reads.freshNodes()).map((n) => n.metadata.name)).toEqual(['a', 'b']);
    expect((await reads.nodes()).map((n) => n.metadata.name)).toEqual(['a', 'b']);
    expect(state.calls).toBe(2);
  });
});
