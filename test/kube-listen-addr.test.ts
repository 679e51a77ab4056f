/**
 * A kubernetes_service joined directly to auth with the issue's sample config
 * (`kubernetes_service.listen_addr`, a `tctl nodes add --roles=kube --format=json` token): it
 * listens with mutual TLS, heartbeats its address, and the proxy dials it there with its host
 * certificate, so the real kubectl reaches the API server stand-in through the proxy (get, exec
 * over websocket and SPDY, exec -it recorded). Its listener refuses anything but a proxy of the
 * cluster: no client certificate, a user's certificate, another host's, a foreign CA's. A service
 * that joins through the proxy is reached through its tunnel even with listen_addr set.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import type { AgentServer } from '../src/api/types/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { loadConfigFile } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { TeleportProcess } from '../src/service/index.js';
import { generateCA, issueCertificate } from '../src/tlsca/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { identityUser, spawnInPty } from './helpers/identity-user.js';
import { kubeUser } from './helpers/kube-user.js';
import { startKubeAPIServer, type KubeAPIServer } from './kube-apiserver/index.js';

let c: TestCluster;
let api: KubeAPIServer;
let tunnelAPI: KubeAPIServer;
let admin: AuthClient;
let dir: string;
let agent: TeleportProcess | undefined;
let tunnelled: TeleportProcess | undefined;
let kubeURL: string;
let directPort: number;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

/** A kube agent's teleport.yaml joined with `token`, `reach` being its auth_server or proxy_server line. */
async function agentConfig(name: string, token: string, reach: string, kubeconfig: string, labels: string, listen = ['  listen_addr: 127.0.0.1:0']): Promise<string> {
  const pin = (await admin.status()).cas.find((x) => x.type === 'host')!.pins[0];
  const path = join(dir, `${name}.yaml`);
  await writeFile(
    path,
    [
      'version: v3',
      'teleport:',
      `  nodename: ${name}`,
      `  data_dir: ${join(dir, `${name}-data`)}`,
      `  auth_token: ${token}`,
      `  ca_pin: ${pin}`,
      `  ${reach}`,
      '  log: {output: stderr, severity: ERROR}',
      'auth_service: {enabled: no}',
      'proxy_service: {enabled: no}',
      'ssh_service: {enabled: no}',
      'kubernetes_service:',
      '  enabled: yes',
      ...listen,
      `  kubeconfig_file: ${kubeconfig}`,
      `  labels: ${labels}`,
      '',
    ].join('\n'),
  );
  return path;
}

async function kubeToken(): Promise<string> {
  const r = await tctl('nodes', 'add', '--roles=kube', '--ttl=10000h', '--format=json');
  expect(r.code, r.err).toBe(0);
  return (JSON.parse(r.out) as string[])[0];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-listen-'));
  api = await startKubeAPIServer();
  api.addPod({ namespace: 'default', name: 'web-1', command: ['sh', '-c', 'sleep 3600'] });
  tunnelAPI = await startKubeAPIServer();
  tunnelAPI.addPod({ namespace: 'default', name: 'tun-1', command: ['sh', '-c', 'sleep 3600'] });
  c = await startCluster({ proxyExtra: 'kube_listen_addr: 127.0.0.1:0' });
  admin = await c.admin();
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'kube-all' }, spec: { allow: { kubernetes_labels: { '*': '*' }, kubernetes_groups: ['system:masters'] }, deny: {} } });
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'alice' }, spec: { roles: ['kube-all'] } });
  const sa = await api.clientCert('teleport-agent', ['system:masters']);
  const kubeconfig = await api.writeKubeconfig(join(dir, 'dev.kubeconfig'), { certPem: sa.certPem, keyPem: sa.keyPem }, { name: 'dev-cluster' });
  // As the issue's sample: a wildcard listen_addr; public_addr is what proxies are told to dial.
  directPort = await freePort();
  const listen = [`  listen_addr: 0.0.0.0:${directPort}`, `  public_addr: 127.0.0.1:${directPort}`];
  const configPath = await agentConfig('kube-direct', await kubeToken(), `auth_server: ${c.authAddr}`, kubeconfig, '{env: dev}', listen);
  agent = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
  await agent.start();
  kubeURL = `https://127.0.0.1:${c.process.addresses.proxyKube!.port}`;
}, 90_000);

afterAll(async () => {
  await tunnelled?.close();
  await agent?.close();
  await c?.close();
  await api?.close();
  await tunnelAPI?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The kube_server heartbeat of `name`. */
async function heartbeat(name: string): Promise<AgentServer | undefined> {
  return (await admin.listAgentServers<AgentServer>('kube_server')).find((s) => s.metadata.name === name);
}

/** The address the direct agent heartbeated, as host and port. */
async function listenerAddr(): Promise<{ host: string; port: number }> {
  const addr = (await heartbeat('dev-cluster'))!.spec.addr!;
  const [host, port] = addr.split(':');
  return { host, port: Number(port) };
}

/** Opens TLS to the agent's listener with `opts`, sends a GET and resolves with what came back (or the error). */
async function probe(opts: Partial<ConnectionOptions>): Promise<string> {
  const { host, port } = await listenerAddr();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = tlsConnect({ host, port, rejectUnauthorized: false, ...opts });
    s.on('secureConnect', () => s.write('GET /api HTTP/1.1\r\nhost: x\r\n\r\n'));
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (err) => resolve(`error: ${err.message} ${Buffer.concat(chunks).toString()}`));
    s.on('close', () => resolve(Buffer.concat(chunks).toString()));
  });
}

describe('kubernetes_service.listen_addr', () => {
  it('heartbeats the listener address without a tunnel, and the proxy dials it for the real kubectl', async () => {
    const hb = await heartbeat('dev-cluster');
    expect(hb?.spec).toMatchObject({ hostname: 'kube-direct', addr: `127.0.0.1:${directPort}` });
    expect(hb?.spec.use_tunnel).toBeUndefined();
    const listed = await tctl('kube', 'ls');
    expect(listed.out).toMatch(/dev-cluster/);
    const alice = await kubeUser(admin, { dir, file: 'alice', username: 'alice', server: kubeURL });
    const pods = await alice.kubectl(['get', 'pods', '-A']);
    expect(pods.err).toBe('');
    expect(pods.out).toMatch(/default\s+web-1\s/);
    expect(api.requests.some((q) => q.user.user === 'alice')).toBe(true);
    const ws = await alice.kubectl(['exec', 'web-1', '--', 'sh', '-c', 'echo ws-$((40+2))']);
    expect(ws.out).toBe('ws-42\n');
    const spdy = await alice.kubectl(['exec', 'web-1', '--', 'sh', '-c', 'echo spdy-$((6*7))'], { env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' } });
    expect(spdy.out).toBe('spdy-42\n');
  });

  it('records kubectl exec -it through the listener, and tsh play replays it', async () => {
    const alice = await kubeUser(admin, { dir, file: 'alice-tty', username: 'alice', server: kubeURL });
    const run = spawnInPty('kubectl', [`--kubeconfig=${alice.kubeconfig}`, `--cache-dir=${join(dir, 'kube-cache')}`, 'exec', '-it', 'web-1', '--', 'sh'], {
      cols: 100,
      rows: 30,
      env: { PATH: process.env.PATH!, HOME: dir, TERM: 'xterm' },
    });
    await run.until(/[$#] $/m, 20_000);
    run.p.write('echo direct-$((50+1))\r');
    await run.until(/direct-51/);
    run.p.write('exit\r');
    expect(await run.exited).toBe(0);
    const ends = async () => (await admin.searchEvents({ types: ['session.end'], user: 'alice', limit: 100 })).events.filter((e) => e.proto === 'kube' && e.interactive === true);
    for (let i = 0; i < 100 && (await ends()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const end = (await ends())[0];
    expect(end).toMatchObject({ kubernetes_cluster: 'dev-cluster', kubernetes_pod_name: 'web-1', server_hostname: 'kube-direct' });
    const viewer = await identityUser(c, 'rec-viewer', ['auditor'], []);
    try {
      let played = '';
      for (let i = 0; i < 100 && !played.includes('direct-51'); i++) {
        const r = await viewer.tsh(['play', String(end.sid)]);
        if (r.code === 0) played = r.out;
        else await new Promise((res) => setTimeout(res, 200));
      }
      expect(played).toContain('direct-51');
    } finally {
      await viewer.cleanup();
    }
  });

  it('refuses a client without a certificate, with a user\'s, another host\'s, or a foreign CA\'s', async () => {
    const none = await probe({});
    expect(none).toMatch(/403 Forbidden[\s\S]*accepts only proxies: no client certificate/);
    const alice = await kubeUser(admin, { dir, file: 'alice-direct', username: 'alice', server: kubeURL });
    const user = await probe({ key: alice.keyPem, cert: alice.certPem });
    expect(user).toMatch(/403 Forbidden[\s\S]*not signed by this cluster's host CA/);
    const adminCreds = await c.adminCredentials();
    const host = await probe({ key: adminCreds.keyPem, cert: adminCreds.certPem });
    expect(host).toMatch(/403 Forbidden[\s\S]*is not a proxy/);
    const foreignCA = await generateCA({ clusterName: c.clusterName, type: 'host' });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = await issueCertificate({
      caCertPem: foreignCA.certPem,
      caKeyPem: foreignCA.keyPem,
      publicKey: privateKey,
      identity: { username: `forged.${c.clusterName}`, groups: ['Proxy'], expires: new Date(Date.now() + 3_600_000) },
    });
    const foreign = await probe({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), cert: forged });
    expect(foreign).toMatch(/403 Forbidden[\s\S]*not signed by this cluster's host CA/);
    // Garbage instead of TLS ends that connection; kubectl through the proxy still works.
    const { host: h, port } = await listenerAddr();
    await new Promise<void>((resolve) => {
      const s = netConnect({ host: h, port }, () => s.end('GET / HTTP/1.1\r\n\r\n'));
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.resume();
    });
    expect((await alice.kubectl(['get', 'pods'])).out).toMatch(/web-1/);
    const refusals = await admin.searchEvents({ types: ['kube.request'], user: 'alice', limit: 200 });
    expect(refusals.events.length).toBeGreaterThan(0);
  });

  it('is reached through the tunnel when the service joined through the proxy, listen_addr or not', async () => {
    const sa = await tunnelAPI.clientCert('teleport-agent', ['system:masters']);
    const kubeconfig = await tunnelAPI.writeKubeconfig(join(dir, 'tun.kubeconfig'), { certPem: sa.certPem, keyPem: sa.keyPem }, { name: 'tun-cluster' });
    const configPath = await agentConfig('kube-tunnelled', await kubeToken(), `proxy_server: ${c.webAddr}`, kubeconfig, '{env: tun}');
    tunnelled = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
    await tunnelled.start();
    const hb = await heartbeat('tun-cluster');
    expect(hb?.spec).toMatchObject({ hostname: 'kube-tunnelled', use_tunnel: true });
    expect(hb?.spec.addr).toBeUndefined();
    const alice = await kubeUser(admin, { dir, file: 'alice-tun', username: 'alice', server: kubeURL, kubeCluster: 'tun-cluster' });
    const pods = await alice.kubectl(['get', 'pods']);
    expect(pods.err).toBe('');
    expect(pods.out).toMatch(/tun-1\s/);
  });
});
