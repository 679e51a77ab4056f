// Reverse tunnels end to end: a node process with `proxy_server: <web addr>` and no listening port
// joins through the proxy (/webapi/host/credentials), dials the proxy's tunnel port, shows up with
// `⟵ Tunnel` in `tsh ls` and `tctl nodes ls`, runs `tsh ssh` commands through the tunnel, and
// comes back after the auth+proxy process restarts (on a new tunnel port, found again through
// /webapi/find). A v2 node with `auth_servers: [<web addr>]` is detected as joining a proxy. The
// proxy announces itself for discovery. (Two proxies sharing one auth server need a proxy without
// an in-process auth server, which the process cannot run yet: discovery across proxies is tested
// with two tunnel servers in src/reversetunnel/agent-pool.test.ts.)
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient, type ClientCredentials } from '../src/api/client/index.js';
import { parseIdentityFile } from '../src/api/identity-file.js';
import type { Node, ProxyServer } from '../src/api/types/index.js';
import { ADMIN_IDENTITY_FILE } from '../src/auth/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { loadConfigFile } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { TeleportProcess } from '../src/service/index.js';
import type { TestCluster } from './helpers/cluster.js';
import { identityUser, type IdentityUser } from './helpers/identity-user.js';

const me = userInfo().username;
const CLUSTER = 'tunnel.test';

/** A port that was free a moment ago (the proxy's web address must survive a restart). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** auth + proxy in one process on a fixed web port (auth and tunnel ports stay 0), restartable. */
async function startTunnelCluster(): Promise<TestCluster & { restart(): Promise<void>; hostId(): string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tp-tunnel-'));
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'teleport.yaml');
  const webAddr = `127.0.0.1:${await freePort()}`;
  await writeFile(
    configPath,
    [
      'version: v3',
      'teleport:',
      '  nodename: tunnel-proxy',
      `  data_dir: ${dataDir}`,
      '  log: {output: stderr, severity: ERROR}',
      'auth_service:',
      '  enabled: yes',
      `  cluster_name: ${CLUSTER}`,
      '  listen_addr: 127.0.0.1:0',
      'proxy_service:',
      '  enabled: yes',
      `  web_listen_addr: ${webAddr}`,
      '  listen_addr: 127.0.0.1:0',
      '  tunnel_listen_addr: 127.0.0.1:0',
      'ssh_service: {enabled: no}',
      '',
    ].join('\n'),
  );
  const start = async () => {
    const p = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
    await p.start();
    return p;
  };
  let proc = await start();
  const adminCredentials = async (): Promise<ClientCredentials> => {
    const id = parseIdentityFile(await readFile(join(dataDir, ADMIN_IDENTITY_FILE), 'utf8'));
    return { keyPem: id.keyPem, certPem: id.tlsCert!, caPems: id.tlsCAs };
  };
  const authAddr = () => `127.0.0.1:${proc.addresses.auth!.port}`;
  return {
    dir,
    dataDir,
    configPath,
    clusterName: CLUSTER,
    get authAddr() {
      return authAddr();
    },
    webAddr,
    get proxySSHAddr() {
      return `127.0.0.1:${proc.addresses.proxySSH!.port}`;
    },
    get process() {
      return proc;
    },
    hostId: () => proc.hostId,
    adminCredentials,
    async admin() {
      return new AuthClient({ addr: authAddr(), clusterName: CLUSTER, credentials: await adminCredentials() });
    },
    async restart() {
      await proc.close();
      proc = await start();
    },
    async close() {
      await proc.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A node process joining through the proxy: `proxy_server` (v3) or `auth_servers` (v2). */
async function startTunnelNode(c: TestCluster, nodename: string, how: 'proxy_server' | 'auth_servers', caPin?: string) {
  const admin = await c.admin();
  const token = (await admin.generateToken({ roles: ['node'] })).token;
  const pin = caPin ?? (await admin.status()).cas.find((x) => x.type === 'host')!.pins[0];
  const dir = await mkdtemp(join(tmpdir(), 'tp-tunnel-node-'));
  await writeFile(
    join(dir, 'teleport.yaml'),
    [
      how === 'proxy_server' ? 'version: v3' : 'version: v2',
      'teleport:',
      `  nodename: ${nodename}`,
      `  data_dir: ${join(dir, 'data')}`,
      `  auth_token: ${token}`,
      `  ca_pin: ${pin}`,
      how === 'proxy_server' ? `  proxy_server: ${c.webAddr}` : `  auth_servers: [${c.webAddr}]`,
      '  log: {output: stderr, severity: ERROR}',
      'auth_service: {enabled: no}',
      'proxy_service: {enabled: no}',
      'ssh_service:',
      '  enabled: yes',
      // No listen_addr: the default 0.0.0.0:3022 is never bound in tunnel mode.
      '  labels: {env: edge}',
      '',
    ].join('\n'),
  );
  const proc = new TeleportProcess({ config: await loadConfigFile(join(dir, 'teleport.yaml')), logger: silentLogger });
  const addrs = await proc.start().catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    proc,
    addrs,
    async close() {
      await proc.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `hostname` is listed as a tunnel node. */
async function waitTunnelNode(c: TestCluster, hostname: string, ms = 20_000): Promise<Node> {
  const admin = await c.admin();
  const deadline = Date.now() + ms;
  for (;;) {
    const n = (await admin.listNodes<Node>()).find((x) => x.spec.hostname === hostname);
    if (n?.spec.use_tunnel) return n;
    if (Date.now() > deadline) throw new Error(`${hostname} did not register as a tunnel node`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `tsh ssh` until it succeeds (the tunnel may still be coming back), at most `ms`. */
async function sshUntilOk(user: IdentityUser, argv: string[], ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await user.tsh(['ssh', ...argv]);
    if (r.code === 0 || Date.now() > deadline) return r;
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('a node behind a reverse tunnel', () => {
  let c: Awaited<ReturnType<typeof startTunnelCluster>>;
  let node: Awaited<ReturnType<typeof startTunnelNode>>;
  let alice: IdentityUser;

  beforeAll(async () => {
    c = await startTunnelCluster();
    node = await startTunnelNode(c, 'edge-1', 'proxy_server');
    alice = await identityUser(c, 'alice', ['access'], [me]);
  }, 60_000);
  afterAll(async () => {
    await alice?.cleanup();
    await node?.close();
    await c?.close();
  });

  it('joins through the proxy, opens no port, and is listed with ⟵ Tunnel', async () => {
    expect(node.addrs.nodeSSH).toBeUndefined();
    expect(node.addrs.nodeTunnelProxy).toBe(c.webAddr);
    const n = await waitTunnelNode(c, 'edge-1');
    expect(n.spec.addr ?? '').toBe('');
    expect(n.metadata.name).toBe(node.proc.hostId);

    const ls = await alice.tsh(['ls']);
    expect(ls.code).toBe(0);
    expect(ls.out).toMatch(/^edge-1 +⟵ Tunnel +env=edge *$/m);

    const cap = captureIO({ env: {}, cwd: c.dir });
    expect(await runTctl(['-c', c.configPath, 'nodes', 'ls'], cap.io)).toBe(0);
    expect(cap.out()).toMatch(new RegExp(`^edge-1 +${n.metadata.name} +⟵ Tunnel +env=edge`, 'm'));
  });

  it('runs tsh ssh commands on it through the tunnel, by hostname and by UUID', async () => {
    await waitTunnelNode(c, 'edge-1');
    const r = await sshUntilOk(alice, [`${me}@edge-1`, 'echo', 'hello from $(hostname)-side']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^hello from .*-side\n$/);
    const fail = await alice.tsh(['ssh', '-l', me, node.proc.hostId, 'echo oops >&2; exit 3']);
    expect(fail.code).toBe(3);
    expect(fail.err).toContain('oops');
    const piped = await alice.tsh(['ssh', '-l', me, `${node.proc.hostId}.${CLUSTER}`, 'cat'], { stdin: 'through the tunnel\n' });
    expect(piped.out).toBe('through the tunnel\n');
  });

  it('announces the proxy for discovery; proxies may announce only themselves, nodes not at all', async () => {
    const admin = await c.admin();
    const proxies = await admin.listProxies<ProxyServer>();
    expect(proxies.map((p) => p.metadata.name)).toEqual([c.hostId()]);
    expect(proxies[0].spec).toMatchObject({ hostname: 'tunnel-proxy', public_addr: c.webAddr });
    expect(proxies[0].metadata.expires).toBeDefined();

    const hostClient = async (hostId: string, role: string) => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const certs = await admin.generateHostCerts({ host_id: hostId, node_name: hostId, role, public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
      const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      return new AuthClient({ addr: c.authAddr, clusterName: CLUSTER, credentials: { keyPem, certPem: certs.tls, caPems: certs.tls_ca_certs } });
    };
    const proxy = (name: string) => ({ kind: 'proxy', version: 'v2', metadata: { name }, spec: { hostname: name } });
    const p2 = await hostClient('proxy-two', 'Proxy');
    await p2.heartbeatProxy(proxy('proxy-two'), 60_000);
    expect((await admin.listProxies<ProxyServer>()).map((p) => p.metadata.name).sort()).toEqual([c.hostId(), 'proxy-two'].sort());
    await expect(p2.heartbeatProxy(proxy('proxy-three'), 60_000)).rejects.toMatchObject({ code: 'access_denied' });
    const n = await hostClient('some-node', 'Node');
    await expect(n.heartbeatProxy(proxy('some-node'), 60_000)).rejects.toMatchObject({ code: 'access_denied' });
    await p2.deleteProxy('proxy-two');
    expect((await admin.listProxies<ProxyServer>()).map((p) => p.metadata.name)).toEqual([c.hostId()]);
  });

  it('refuses to join through a proxy whose CA does not match the pin', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    await expect(startTunnelNode(c, 'edge-9', 'proxy_server', wrong)).rejects.toThrow(/does not match the pin/);
    expect((await (await c.admin()).listNodes<Node>()).some((n) => n.spec.hostname === 'edge-9')).toBe(false);
  });

  it('reconnects after the auth+proxy process restarts', async () => {
    const before = c.process.addresses.proxyTunnel!.port;
    await c.restart();
    expect(c.process.addresses.proxyTunnel!.port).not.toBe(before);
    const r = await sshUntilOk(alice, [`${me}@edge-1`, 'echo', 'back']);
    expect(r.err).toBe('');
    expect(r.out).toBe('back\n');
    // The heartbeat goes through the new tunnel too (the node's auth API calls ride on it).
    expect((await waitTunnelNode(c, 'edge-1')).spec.use_tunnel).toBe(true);
  });

  it('detects a proxy given as auth_servers (config v2) and joins through it', async () => {
    const v2 = await startTunnelNode(c, 'edge-2', 'auth_servers');
    try {
      expect(v2.addrs.nodeTunnelProxy).toBe(c.webAddr);
      await waitTunnelNode(c, 'edge-2');
      const r = await sshUntilOk(alice, [`${me}@edge-2`, 'echo', 'v2']);
      expect(r.out).toBe('v2\n');
    } finally {
      await v2.close();
    }
  });
});
