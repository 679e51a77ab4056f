// A proxy-only process reads nodes, CAs and proxies from a cache fed by the auth API's watch stream:
// a node that joins is in its cache as soon as it heartbeats (no poll period, no read from auth per
// request); while the auth server is down the cache keeps serving; when auth comes back on the same
// address the cache reconnects by itself and re-syncs, seeing what changed.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node } from '../src/api/types/node.js';
import { loadConfigFile } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { TeleportProcess } from '../src/service/index.js';
import type { ProxyReads } from '../src/service/proxy-reads.js';
import { startCluster, startNode, startProxy, type TestCluster, type TestNode, type TestProxy } from './helpers/cluster.js';

/** Polls a cheap in-memory condition until it holds (the cache is fed asynchronously). */
async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('proxy-only process: watch-fed cache', () => {
  let c: TestCluster;
  let auth: TeleportProcess;
  let proxy: TestProxy;
  let node: TestNode | undefined;
  let reads: ProxyReads;
  const hostnames = async () => (await reads.nodes()).map((n: Node) => n.spec.hostname);

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'cache.test' });
    auth = c.process;
    proxy = await startProxy(c, { nodename: 'cache-proxy' });
    // The process's reads, as its SSH and tunnel listeners use them.
    reads = proxy.process.proxyReads!;
  }, 60_000);

  afterAll(async () => {
    await node?.close();
    await proxy?.close();
    await auth?.close();
    if (c) await rm(c.dir, { recursive: true, force: true });
  });

  it('sees a node join as soon as it heartbeats, and both proxies through the watch', async () => {
    await until(async () => (await reads.proxyNames()).includes(proxy.process.hostId), 'the proxy to list itself');
    expect(await reads.proxyNames()).toContain(auth.hostId);
    expect((await reads.userCAKeys()).length).toBeGreaterThan(0);
    expect(await hostnames()).not.toContain('late-node');
    node = await startNode(c, { nodename: 'late-node' });
    await until(async () => (await hostnames()).includes('late-node'), 'late-node in the proxy cache');
  });

  it('serves the last state while auth is down, then reconnects to the restarted auth and re-syncs', async () => {
    const admin = await c.admin();
    const port = Number(c.authAddr.split(':')[1]);
    await auth.close();
    // Auth is gone: every read is answered from memory.
    expect(await hostnames()).toContain('late-node');
    expect((await reads.hostCAKeys()).length).toBeGreaterThan(0);
    await expect(admin.listNodes()).rejects.toMatchObject({ code: 'connection_problem' });

    // Auth comes back on the same address (the data dir keeps the cluster); a node added then is seen.
    const config = (await readFile(c.configPath, 'utf8')).replace(/(auth_service:\n(?: {2}.*\n)*? {2}listen_addr: )127\.0\.0\.1:0/, `$1127.0.0.1:${port}`);
    const restarted = join(c.dir, 'restarted.yaml');
    await writeFile(restarted, config);
    auth = new TeleportProcess({ config: await loadConfigFile(restarted), logger: silentLogger });
    await auth.start();
    expect(auth.addresses.auth?.port).toBe(port);
    await admin.createResource({ kind: 'node', version: 'v2', metadata: { name: 'after-restart' }, spec: { hostname: 'after-restart', addr: '127.0.0.1:1' } }, { force: true });
    await until(async () => (await hostnames()).includes('after-restart'), 'after-restart in the proxy cache');
    expect(await hostnames()).toContain('late-node');
  }, 60_000);
});
