// One port for several protocols, end to end: an auth+proxy process with a v3 config and no
// tunnel_listen_addr (Teleport's TLS routing). On the web port, each on its own socket: TLS with
// ALPN http/1.1 reaching the web API, teleport-proxy-ssh reaching the proxy's SSH server,
// psql's SSLRequest getting the "not enabled" error, plain HTTP redirected to HTTPS, garbage ended.
// A node with proxy_server = the web address joins and serves through the web port alone
// (teleport-reversetunnel), and tsh ssh reaches it. The separate postgres/mysql/kube listeners of
// the config each act, driven by psql, mariadb and kubectl. Behind a TLS-terminating balancer
// (--insecure-no-tls) the web API, PostgreSQL and a node's tunnel through the balancer still work.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { createServer as createTLSServer, type Server as TLSServer } from 'node:tls';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALPN, dialALPN } from '../src/api/alpn.js';
import { AuthClient, type ClientCredentials } from '../src/api/client/index.js';
import { parseIdentityFile } from '../src/api/identity-file.js';
import type { Node } from '../src/api/types/index.js';
import { ADMIN_IDENTITY_FILE } from '../src/auth/index.js';
import { loadConfigFile } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { TeleportProcess } from '../src/service/index.js';
import type { TestCluster } from './helpers/cluster.js';
import { identityUser, type IdentityUser } from './helpers/identity-user.js';

const me = userInfo().username;
const CLUSTER = 'webport.test';

async function startCluster(opts: { insecureNoTls?: boolean } = {}): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tp-webport-'));
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'teleport.yaml');
  await writeFile(
    configPath,
    [
      'version: v3',
      'teleport:',
      '  nodename: webport-proxy',
      `  data_dir: ${dataDir}`,
      '  log: {output: stderr, severity: ERROR}',
      'auth_service:',
      '  enabled: yes',
      `  cluster_name: ${CLUSTER}`,
      '  listen_addr: 127.0.0.1:0',
      '  proxy_listener_mode: multiplex',
      'proxy_service:',
      '  enabled: yes',
      '  web_listen_addr: 127.0.0.1:0',
      '  listen_addr: 127.0.0.1:0',
      // No tunnel_listen_addr: agents come through the web port.
      '  postgres_listen_addr: 127.0.0.1:0',
      '  mysql_listen_addr: 127.0.0.1:0',
      '  kube_listen_addr: 127.0.0.1:0',
      'ssh_service: {enabled: no}',
      '',
    ].join('\n'),
  );
  const config = await loadConfigFile(configPath);
  // What `teleport start --insecure-no-tls` sets.
  if (opts.insecureNoTls) config.proxy.disableTls = true;
  const proc = new TeleportProcess({ config, logger: silentLogger });
  const addrs = await proc.start();
  const adminCredentials = async (): Promise<ClientCredentials> => {
    const id = parseIdentityFile(await readFile(join(dataDir, ADMIN_IDENTITY_FILE), 'utf8'));
    return { keyPem: id.keyPem, certPem: id.tlsCert!, caPems: id.tlsCAs };
  };
  const authAddr = `127.0.0.1:${addrs.auth!.port}`;
  return {
    dir,
    dataDir,
    configPath,
    clusterName: CLUSTER,
    authAddr,
    webAddr: `127.0.0.1:${addrs.proxyWeb!.port}`,
    proxySSHAddr: `127.0.0.1:${addrs.proxySSH!.port}`,
    process: proc,
    adminCredentials,
    admin: async () => new AuthClient({ addr: authAddr, clusterName: CLUSTER, credentials: await adminCredentials() }),
    async close() {
      await proc.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function startNode(c: TestCluster, nodename: string, proxyAddr = c.webAddr) {
  const admin = await c.admin();
  const token = (await admin.generateToken({ roles: ['node'] })).token;
  const pin = (await admin.status()).cas.find((x) => x.type === 'host')!.pins[0];
  const dir = await mkdtemp(join(tmpdir(), 'tp-webport-node-'));
  await writeFile(
    join(dir, 'teleport.yaml'),
    [
      'version: v3',
      'teleport:',
      `  nodename: ${nodename}`,
      `  data_dir: ${join(dir, 'data')}`,
      `  auth_token: ${token}`,
      `  ca_pin: ${pin}`,
      `  proxy_server: ${proxyAddr}`,
      '  log: {output: stderr, severity: ERROR}',
      'auth_service: {enabled: no}',
      'proxy_service: {enabled: no}',
      'ssh_service: {enabled: yes}',
      '',
    ].join('\n'),
  );
  const proc = new TeleportProcess({ config: await loadConfigFile(join(dir, 'teleport.yaml')), logger: silentLogger });
  await proc.start();
  return {
    proc,
    async close() {
      await proc.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

function port(addr: string): number {
  return Number(addr.split(':').pop());
}

describe('the web port routes TLS by ALPN, PostgreSQL and HTTP', () => {
  let c: TestCluster;
  let node: Awaited<ReturnType<typeof startNode>>;
  let alice: IdentityUser;

  beforeAll(async () => {
    c = await startCluster();
    node = await startNode(c, 'web-port-node');
    alice = await identityUser(c, 'alice', ['access'], [me]);
  }, 60_000);
  afterAll(async () => {
    await alice?.cleanup();
    await node?.close();
    await c?.close();
  });

  it('has no tunnel port; ping says TLS routing and points agents at the web address', async () => {
    expect(c.process.addresses.proxyTunnel).toBeUndefined();
    const s = await dialALPN({ host: '127.0.0.1', port: port(c.webAddr), protocol: ALPN.http1, insecure: true });
    const ping = await new Promise<Record<string, { ssh: Record<string, string>; tls_routing_enabled: boolean }>>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', path: '/webapi/ping', createConnection: () => s }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(JSON.parse(body) as never));
      });
      req.on('error', reject);
      req.end();
    });
    expect(ping.cluster_name).toBe(CLUSTER);
    expect(ping.proxy.tls_routing_enabled).toBe(true);
    expect(ping.proxy.ssh.ssh_tunnel_public_addr).toBe(c.webAddr);
  });

  it('a node with proxy_server = the web address serves through teleport-reversetunnel on it; tsh ssh reaches it', async () => {
    expect(node.proc.addresses.nodeTunnelProxy).toBe(c.webAddr);
    const admin = await c.admin();
    const deadline = Date.now() + 20_000;
    let n: Node | undefined;
    while (!n?.spec.use_tunnel && Date.now() < deadline) {
      n = (await admin.listNodes<Node>()).find((x) => x.spec.hostname === 'web-port-node');
      if (!n?.spec.use_tunnel) await new Promise((r) => setTimeout(r, 100));
    }
    expect(n?.spec.use_tunnel).toBe(true);
    let r = await alice.tsh(['ssh', `${me}@web-port-node`, 'echo', 'through-the-web-port']);
    for (let i = 0; r.code !== 0 && i < 50; i++) {
      await new Promise((res) => setTimeout(res, 300));
      r = await alice.tsh(['ssh', `${me}@web-port-node`, 'echo', 'through-the-web-port']);
    }
    expect(r.out).toContain('through-the-web-port');
    expect(r.code).toBe(0);
  });

  it('teleport-proxy-ssh reaches the proxy SSH server', async () => {
    const s = await dialALPN({ host: '127.0.0.1', port: port(c.webAddr), protocol: ALPN.proxySSH, insecure: true });
    const banner = await new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString())));
    expect(banner).toMatch(/^SSH-2\.0-Teleport/);
    s.destroy();
  });

  it("psql against the web port, and against postgres_listen_addr, is answered by the proxy's PostgreSQL handler", async () => {
    for (const target of [c.webAddr, `127.0.0.1:${c.process.addresses.proxyPostgres!.port}`]) {
      const r = await run('psql', [`host=127.0.0.1 port=${port(target)} user=alice dbname=postgres sslmode=require connect_timeout=10`, '-c', 'select 1'], { PGGSSENCMODE: 'disable' });
      expect(r.code).not.toBe(0);
      // A FATAL from the proxy itself: without a client certificate psql is refused (by the database
      // proxy once it is registered, else by the refusal: "database access is not enabled on this proxy").
      expect(r.out).toMatch(/FATAL: {2}\S/);
    }
  });

  it('plain HTTP on the web port is redirected to https; garbage is ended', async () => {
    const res = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: port(c.webAddr), path: '/web' }, (r) => {
        r.resume();
        resolve({ status: r.statusCode ?? 0, location: r.headers.location });
      });
      req.on('error', reject);
      req.end();
    });
    expect(res).toEqual({ status: 301, location: `https://${c.webAddr}/web` });
    const g = netConnect(port(c.webAddr), '127.0.0.1');
    g.write('\x01\x02\x03garbage-garbage');
    const got = await new Promise<number>((resolve) => {
      let n = 0;
      g.on('data', (d: Buffer) => (n += d.length));
      g.on('close', () => resolve(n));
    });
    expect(got).toBe(0);
  });

  it('mysql_listen_addr and kube_listen_addr act: mariadb and kubectl print the refusal', async () => {
    // The MySQL front is registered (test/db-mysql.test.ts): a client without a certificate is told what to do.
    const my = await run('mariadb', ['-h', '127.0.0.1', '-P', String(c.process.addresses.proxyMySQL!.port), '-u', 'alice', '--connect-timeout=10', '-e', 'select 1']);
    expect(my.code).not.toBe(0);
    expect(my.out).toContain('ERROR 1045 (28000): no client certificate: run "tsh db login <database>"');
    const kubeconfig = join(c.dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${c.process.addresses.proxyKube!.port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
    );
    const k = await run('kubectl', ['--kubeconfig', kubeconfig, 'get', 'pods', '--request-timeout=10s']);
    expect(k.code).not.toBe(0);
    // The Kubernetes front is registered now (test/kube-access.test.ts): a client without a certificate is told what to do.
    expect(k.out).toContain('Error from server (Forbidden): no client certificate: log in with "tsh kube login <cluster>"');
  });
});

describe('behind a TLS-terminating load balancer (--insecure-no-tls)', () => {
  let c: TestCluster;
  let lb: TLSServer;
  let lbAddr: string;
  let node: Awaited<ReturnType<typeof startNode>>;
  let alice: IdentityUser;

  beforeAll(async () => {
    c = await startCluster({ insecureNoTls: true });
    // The balancer: TLS with no ALPN, plain TCP to the proxy's web port. Its certificate stands in
    // for a publicly trusted one: the node must trust it to join, so it is one the cluster's host
    // CA signed (the local admin identity's).
    const admin = parseIdentityFile(await readFile(join(c.dataDir, ADMIN_IDENTITY_FILE), 'utf8'));
    lb = createTLSServer({ key: admin.keyPem, cert: admin.tlsCert! }, (client) => {
      const up = netConnect(port(c.webAddr), '127.0.0.1');
      client.pipe(up).pipe(client);
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => lb.listen(0, '127.0.0.1', r));
    lbAddr = `127.0.0.1:${(lb.address() as AddressInfo).port}`;
    node = await startNode(c, 'lb-node', lbAddr);
    alice = await identityUser({ ...c, webAddr: lbAddr }, 'alice', ['access'], [me]);
  }, 60_000);
  afterAll(async () => {
    await alice?.cleanup();
    await node?.close();
    lb?.close();
    await c?.close();
  });

  it('serves the web API as plain HTTP behind the balancer and PostgreSQL on the plain port', async () => {
    const ping = await new Promise<{ cluster_name: string }>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: port(lbAddr), path: '/webapi/ping', rejectUnauthorized: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(JSON.parse(body) as never));
      });
      req.on('error', reject);
      req.end();
    });
    expect(ping.cluster_name).toBe(CLUSTER);
    const r = await run('psql', [`host=127.0.0.1 port=${port(c.webAddr)} user=alice dbname=postgres sslmode=require connect_timeout=10`], { PGGSSENCMODE: 'disable' });
    expect(r.out).toMatch(/FATAL: {2}\S/);
  });

  it('a node joins and tunnels through the balancer; tsh ssh reaches it', async () => {
    expect(node.proc.addresses.nodeTunnelProxy).toBe(lbAddr);
    let r = await alice.tsh(['ssh', `${me}@lb-node`, 'echo', 'behind-the-balancer']);
    for (let i = 0; r.code !== 0 && i < 60; i++) {
      await new Promise((res) => setTimeout(res, 300));
      r = await alice.tsh(['ssh', `${me}@lb-node`, 'echo', 'behind-the-balancer']);
    }
    expect(r.out).toContain('behind-the-balancer');
    expect(r.code).toBe(0);
  });
});
