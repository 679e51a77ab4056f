/**
 * The 2019 tutorial's Kubernetes steps with tsh and the real kubectl: the proxy itself holds the
 * kubeconfig (`proxy_service.kubernetes: {enabled, listen_addr, kubeconfig_file}`, the cluster then
 * named after the Teleport cluster), and a plain `tsh login` is all it takes before
 * `kubectl get pods -A`: the kubeconfig's server is where the proxy's ping says (the web address
 * with the kube SNI under TLS routing, else the Kubernetes listener), and kubectl's certificate
 * comes from `tsh kube credentials` (bin/tsh).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient, WebClient } from '../src/api/client/index.js';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { PASSWORD, runTshIn } from './helpers/tsh-user.js';
import { startKubeAPIServer, type KubeAPIServer } from './kube-apiserver/index.js';
import { kubectl } from './kube-apiserver/kubectl.js';

let c: TestCluster;
let api: KubeAPIServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsh-kubectl-legacy-'));
  api = await startKubeAPIServer();
  api.addPod({ namespace: 'default', name: 'web-1', command: ['sh', '-c', 'sleep 3600'] });
  api.addPod({ namespace: 'kube-system', name: 'dns-1', command: ['sh', '-c', 'sleep 3600'] });
  const sa = await api.clientCert('teleport-proxy', ['system:masters']);
  const proxyKubeconfig = await api.writeKubeconfig(join(dir, 'proxy.kubeconfig'), { certPem: sa.certPem, keyPem: sa.keyPem });
  c = await startCluster({
    clusterName: 'legacy.test',
    proxyExtra: ['kubernetes:', '  enabled: yes', '  listen_addr: 127.0.0.1:0', `  kubeconfig_file: ${proxyKubeconfig}`].join('\n'),
  });
  const admin = await c.admin();
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'kube-masters' }, spec: { allow: { kubernetes_labels: { '*': '*' }, kubernetes_groups: ['system:masters'] } } });
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'alice' }, spec: { roles: ['kube-masters'], traits: {} } });
  for (let i = 0; (await admin.listAgentServers('kube_server')).length === 0; i++) {
    if (i > 200) throw new Error('the proxy did not heartbeat its Kubernetes cluster');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  await c?.close();
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tsh login, then kubectl, with the proxy holding the kubeconfig', () => {
  it('writes the proxy the ping names into the kubeconfig, selects the cluster named after the Teleport cluster, and kubectl lists pods', async () => {
    const admin = await c.admin();
    const invite = await admin.createUserToken('alice', { type: 'invite' });
    const anon = new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, caPems: (await admin.ping()).host_ca_certs });
    const secret = (await anon.totpRegistration(invite.token)).secret;
    await anon.completeUserToken({ token: invite.token, password: PASSWORD, otp_code: totpCode(secret, Date.now()) });
    const home = await mkdtemp(join(dir, 'alice-'));
    const kubeconfig = join(home, 'kubeconfig');
    const r = await runTshIn(home, ['login', `--proxy=${c.webAddr}`, '--user=alice', '--insecure'], {
      env: { KUBECONFIG: kubeconfig },
      sys: { executablePath: resolve('bin/tsh') },
      stdin: `${PASSWORD}\n${totpCode(secret, Date.now() + 30_000)}\n`,
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('  Kubernetes:         enabled\n  Kubernetes cluster: "legacy.test"\n  Kubernetes groups:  system:masters\n');
    const env = { kubeconfig, home, env: { TELEPORT_HOME: home } };
    const view = JSON.parse((await kubectl(env, ['config', 'view', '--minify', '-o', 'json'])).stdout) as { clusters: { cluster: { server: string; 'tls-server-name'?: string } }[] };
    // Where kubectl goes follows the proxy's ping, as in Teleport: the web address with the kube SNI
    // under TLS routing, else the Kubernetes listener itself.
    const ping = (await new WebClient({ addr: c.webAddr, insecure: true }).ping()) as unknown as { proxy: { tls_routing_enabled: boolean; kube: { enabled: boolean; listen_addr: string } } };
    expect(ping.proxy.kube).toEqual({ enabled: true, listen_addr: `127.0.0.1:${c.process.addresses.proxyKube!.port}` });
    if (ping.proxy.tls_routing_enabled) {
      expect(view.clusters[0].cluster).toMatchObject({ server: `https://${c.webAddr}`, 'tls-server-name': 'kube-teleport-proxy-alpn.teleport.cluster.local' });
    } else {
      expect(view.clusters[0].cluster.server).toBe(`https://${ping.proxy.kube.listen_addr}`);
      expect(view.clusters[0].cluster['tls-server-name']).toBeUndefined();
    }
    const pods = await kubectl(env, ['get', 'pods', '-A']);
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toMatch(/default\s+web-1\s/);
    expect(pods.stdout).toMatch(/kube-system\s+dns-1\s/);
  });
});
