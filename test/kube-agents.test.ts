/**
 * The two generations of Kubernetes config with the real kubectl: the 2019 form, where the proxy
 * itself holds a kubeconfig (`proxy_service.kubernetes: {enabled, listen_addr, kubeconfig_file}`)
 * and serves its cluster under the Teleport cluster's name, and a kubernetes_service agent in a
 * process of its own that joined through the proxy with a `tctl tokens add --type=kube` token and
 * is reached through its reverse tunnel. Each serves its own API server stand-in.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import type { AgentServer } from '../src/api/types/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { loadConfigFile } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { TeleportProcess } from '../src/service/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { kubeUser } from './helpers/kube-user.js';
import { startKubeAPIServer, type KubeAPIServer } from './kube-apiserver/index.js';

let c: TestCluster;
let legacyAPI: KubeAPIServer;
let agentAPI: KubeAPIServer;
let agent: TeleportProcess | undefined;
let admin: AuthClient;
let dir: string;

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-agents-'));
  legacyAPI = await startKubeAPIServer();
  legacyAPI.addPod({ namespace: 'default', name: 'legacy-pod', command: ['sh', '-c', 'sleep 3600'] });
  agentAPI = await startKubeAPIServer();
  agentAPI.addPod({ namespace: 'default', name: 'prod-pod', command: ['sh', '-c', 'sleep 3600'] });
  const legacySA = await legacyAPI.clientCert('teleport-proxy', ['system:masters']);
  const legacyKubeconfig = await legacyAPI.writeKubeconfig(join(dir, 'legacy.kubeconfig'), { certPem: legacySA.certPem, keyPem: legacySA.keyPem }, { name: 'whatever' });
  c = await startCluster({ proxyExtra: ['kubernetes:', '  enabled: yes', '  listen_addr: 127.0.0.1:0', `  kubeconfig_file: ${legacyKubeconfig}`].join('\n') });
  admin = await c.admin();
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'kube-all' }, spec: { allow: { kubernetes_labels: { '*': '*' }, kubernetes_groups: ['system:masters'] }, deny: {} } });
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'kube-prod' }, spec: { allow: { kubernetes_labels: { env: 'prod' }, kubernetes_groups: ['system:masters'] }, deny: {} } });
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'ann' }, spec: { roles: ['kube-all'] } });
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'pat' }, spec: { roles: ['kube-prod'] } });
}, 60_000);

afterAll(async () => {
  await agent?.close();
  await c?.close();
  await legacyAPI?.close();
  await agentAPI?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Kubernetes clusters served two ways', () => {
  it('serves the proxy\'s own kubeconfig in the 2019 form, under the Teleport cluster\'s name', async () => {
    const server = `https://127.0.0.1:${c.process.addresses.proxyKube!.port}`;
    const ann = await kubeUser(admin, { dir, file: 'ann', username: 'ann', server });
    const r = await ann.kubectl(['get', 'pods']);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/legacy-pod\s/);
    const servers = await admin.listAgentServers<AgentServer>('kube_server');
    expect(servers.map((s) => s.metadata.name)).toContain(c.clusterName);
  });

  it('serves a kubernetes_service agent that joined through the proxy with a kube token, through its tunnel', async () => {
    const token = await tctl('tokens', 'add', '--type=kube', '--format=text');
    expect(token.code, token.err).toBe(0);
    const listed = await tctl('tokens', 'ls');
    expect(listed.out).toMatch(/Kube/);
    const sa = await agentAPI.clientCert('teleport-agent', ['system:masters']);
    const kubeconfig = await agentAPI.writeKubeconfig(join(dir, 'agent.kubeconfig'), { certPem: sa.certPem, keyPem: sa.keyPem }, { name: 'prod-cluster' });
    const pin = (await admin.status()).cas.find((x) => x.type === 'host')!.pins[0];
    const configPath = join(dir, 'agent.yaml');
    await writeFile(
      configPath,
      [
        'version: v3',
        'teleport:',
        '  nodename: kube-agent-1',
        `  data_dir: ${join(dir, 'agent-data')}`,
        `  auth_token: ${token.out.trim()}`,
        `  ca_pin: ${pin}`,
        `  proxy_server: ${c.webAddr}`,
        '  log: {output: stderr, severity: ERROR}',
        'auth_service: {enabled: no}',
        'proxy_service: {enabled: no}',
        'ssh_service: {enabled: no}',
        'kubernetes_service:',
        '  enabled: yes',
        `  kubeconfig_file: ${kubeconfig}`,
        '  labels: {env: prod}',
        '',
      ].join('\n'),
    );
    agent = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
    await agent.start();
    const servers = await admin.listAgentServers<AgentServer>('kube_server');
    expect(servers.find((s) => s.metadata.name === 'prod-cluster')?.spec).toMatchObject({ hostname: 'kube-agent-1', use_tunnel: true });
    // pat's roles reach only env=prod: the default cluster is the tunnelled one.
    const pat = await kubeUser(admin, { dir, file: 'pat', username: 'pat', server: `https://${c.webAddr}` });
    const r = await pat.kubectl(['get', 'pods']);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/prod-pod\s/);
    expect(agentAPI.requests.some((q) => q.user.user === 'pat')).toBe(true);
    expect(legacyAPI.requests.some((q) => q.user.user === 'pat')).toBe(false);
  });
});
