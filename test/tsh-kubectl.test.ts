/**
 * `tsh login` / `tsh kube login` and then the real kubectl with nothing but the kubeconfig tsh
 * wrote: a cluster whose kubernetes_service serves the API server stand-in (test/kube-apiserver)
 * as `dev-cluster`; kubectl runs the exec plugin (the built bin/tsh: `tsh kube credentials`) for
 * its certificate and goes through the proxy's web port (SNI kube-teleport-proxy-alpn.*). The
 * API server's RBAC answers for the groups the roles give (trait templates; Forbidden for guest),
 * and an expired login makes kubectl print tsh's "log in again" instead of a TLS error.
 */
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../src/api/client/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { totpCode } from '../src/auth/totp.js';
import { parseCertificate, parsePrivateKey } from '../src/sshca/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { PASSWORD, runTshIn } from './helpers/tsh-user.js';
import { startKubeAPIServer, type KubeAPIServer } from './kube-apiserver/index.js';
import { kubectl } from './kube-apiserver/kubectl.js';

const TSH = resolve('bin/tsh');
let c: TestCluster;
let api: KubeAPIServer;
let admin: AuthClient;
let dir: string;

/** A user logged in with tsh (its own TELEPORT_HOME, HOME and KUBECONFIG). */
async function login(name: string, roles: string[], traits: Record<string, string[]>, ...extra: string[]) {
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name }, spec: { roles, traits } });
  const invite = await admin.createUserToken(name, { type: 'invite' });
  const anon = new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, caPems: (await admin.ping()).host_ca_certs });
  const secret = (await anon.totpRegistration(invite.token)).secret;
  await anon.completeUserToken({ token: invite.token, password: PASSWORD, otp_code: totpCode(secret, Date.now()) });
  const home = await mkdtemp(join(dir, `${name}-`));
  const kubeconfig = join(home, 'kubeconfig');
  const env = { KUBECONFIG: kubeconfig };
  const sys = { executablePath: TSH };
  const r = await runTshIn(home, ['login', `--proxy=${c.webAddr}`, `--user=${name}`, '--insecure', ...extra], { env, sys, stdin: `${PASSWORD}\n${totpCode(secret, Date.now() + 30_000)}\n` });
  expect(r.code, r.err).toBe(0);
  return {
    home,
    login: r,
    tsh: (argv: string[]) => runTshIn(home, argv, { env, sys }),
    kubectl: (args: string[]) => kubectl({ kubeconfig, home, env: { TELEPORT_HOME: home } }, args),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsh-kubectl-'));
  api = await startKubeAPIServer();
  api.addPod({ namespace: 'default', name: 'web-1', command: ['sh', '-c', 'echo hello from web-1; sleep 3600'] });
  api.addPod({ namespace: 'kube-system', name: 'dns-1', command: ['sh', '-c', 'sleep 3600'] });
  const sa = await api.clientCert('teleport-kube-agent', ['system:masters']);
  const agentKubeconfig = await api.writeKubeconfig(join(dir, 'agent.kubeconfig'), { certPem: sa.certPem, keyPem: sa.keyPem }, { name: 'dev-cluster' });
  c = await startCluster({
    clusterName: 'kubectl.test',
    proxyExtra: 'kube_listen_addr: 127.0.0.1:0',
    extraSections: ['kubernetes_service:', '  enabled: yes', `  kubeconfig_file: ${agentKubeconfig}`, '  labels: {env: dev}'].join('\n'),
  });
  admin = await c.admin();
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'kube-traits' }, spec: { allow: { kubernetes_labels: { env: 'dev' }, kubernetes_groups: ['{{internal.kubernetes_groups}}'] } } });
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'kube-guest' }, spec: { allow: { kubernetes_labels: { '*': '*' }, kubernetes_groups: ['guest'] } } });
  for (let i = 0; (await admin.listAgentServers('kube_server')).length === 0; i++) {
    if (i > 200) throw new Error('the kubernetes_service did not heartbeat dev-cluster');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  await c?.close();
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kubectl with the kubeconfig tsh writes', () => {
  it('tsh login selects dev-cluster and kubectl lists pods through the exec plugin, as the trait-templated group', async () => {
    const alice = await login('alice', ['kube-traits'], { kubernetes_groups: ['system:masters'] });
    expect(alice.login.out).toContain('  Kubernetes:         enabled\n  Kubernetes cluster: "dev-cluster"\n  Kubernetes groups:  system:masters\n');
    const pods = await alice.kubectl(['get', 'pods', '-A']);
    expect(pods.stderr).toBe('');
    expect(pods.code).toBe(0);
    expect(pods.stdout).toMatch(/default\s+web-1\s/);
    expect(pods.stdout).toMatch(/kube-system\s+dns-1\s/);
    const cms = await alice.kubectl(['get', 'configmaps']);
    expect(cms.code, cms.stderr).toBe(0);
    const seen = api.requests.filter((q) => q.user.user === 'alice');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0].user.groups).toEqual(expect.arrayContaining(['system:masters', 'system:authenticated']));
    // tsh kube login again: same context, Teleport's message; kubectl still works.
    const kl = await alice.tsh(['kube', 'login', 'dev-cluster']);
    expect(kl.out).toBe(`Logged into Kubernetes cluster "dev-cluster". Try 'kubectl version' to test the connection.\n`);
    expect((await alice.kubectl(['config', 'current-context'])).stdout.trim()).toBe('kubectl.test-dev-cluster');
    const logs = await alice.kubectl(['logs', 'web-1']);
    expect(logs.code, logs.stderr).toBe(0);
  });

  it("the guest group gets the API server's own Forbidden for configmaps", async () => {
    const gus = await login('gus', ['kube-guest'], {});
    const pods = await gus.kubectl(['get', 'pods']);
    expect(pods.code, pods.stderr).toBe(0);
    expect(pods.stdout).toMatch(/web-1/);
    const cms = await gus.kubectl(['get', 'configmaps']);
    expect(cms.code).not.toBe(0);
    expect(cms.stderr).toContain('Error from server (Forbidden): configmaps is forbidden: User "gus" cannot list resource "configmaps"');
  });

  it('tsh kube login --as-groups narrows kubectl to one of the groups the roles give; a group outside them is refused by the proxy', async () => {
    await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'kube-both' }, spec: { allow: { kubernetes_labels: { '*': '*' }, kubernetes_groups: ['system:masters', 'guest'] } } });
    const hal = await login('hal', ['kube-both'], {});
    expect((await hal.kubectl(['get', 'configmaps'])).code).toBe(0);
    const narrowed = await hal.tsh(['kube', 'login', 'dev-cluster', '--as=hal', '--as-groups=guest']);
    expect(narrowed.code, narrowed.err).toBe(0);
    const cms = await hal.kubectl(['get', 'configmaps']);
    expect(cms.stderr).toContain('Error from server (Forbidden): configmaps is forbidden: User "hal" cannot list resource "configmaps"');
    expect((await hal.kubectl(['get', 'pods'])).stdout).toMatch(/web-1/);
    expect((await hal.tsh(['kube', 'login', 'dev-cluster', '--as-groups=guest'])).err).toContain('--as-groups needs --as as well');
    const outside = await hal.tsh(['kube', 'login', 'dev-cluster', '--as=hal', '--as-groups=intruders']);
    expect(outside.code, outside.err).toBe(0);
    expect((await hal.kubectl(['get', 'pods'])).stderr).toContain('group header "intruders" value is not allowed in roles');
  });

  it('an expired login makes kubectl show the plugin asking for a new login, not a TLS error', async () => {
    const eve = await login('eve', ['kube-traits'], { kubernetes_groups: ['system:masters'] });
    expect((await eve.kubectl(['get', 'pods'])).code).toBe(0);
    // Replace the profile's certificates with ones for the same key that expire in a second, and drop the cached kube certificate.
    const keyDir = join(eve.home, 'keys', '127.0.0.1');
    const sshCertPath = join(keyDir, 'eve-ssh', 'kubectl.test-cert.pub');
    const profileKey = parsePrivateKey(await readFile(join(keyDir, 'eve'), 'utf8'));
    const short = await admin.generateUserCerts({ username: 'eve', public_key: createPublicKey(profileKey).export({ type: 'spki', format: 'pem' }).toString(), ttl_ms: 1000 });
    await writeFile(sshCertPath, short.ssh.trim() + '\n');
    await writeFile(join(keyDir, 'eve-x509.pem'), short.tls);
    await rm(join(keyDir, 'eve-kube'), { recursive: true, force: true });
    expect(Number(parseCertificate(short.ssh.trim()).validBefore) * 1000).toBeLessThan(Date.now() + 2000);
    await new Promise((r) => setTimeout(r, 1500));
    const r = await eve.kubectl(['get', 'pods']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/expired at .*; log in again: tsh login --proxy=127\.0\.0\.1:\d+/);
    expect(r.stderr).not.toMatch(/x509|tls:/i);
  });

  it('tctl auth sign --format=kubernetes writes a kubeconfig with the credentials inline that kubectl uses without tsh', async () => {
    const tctl = async (...args: string[]) => {
      const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: dir });
      const code = await runTctl(['-c', c.configPath, ...args], cap.io);
      return { code, out: cap.out(), err: cap.err() };
    };
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'ci-bot' }, spec: { roles: ['kube-traits'], traits: { kubernetes_groups: ['system:masters'] } } });
    const out = join(dir, 'ci.kubeconfig');
    const noProxy = await tctl('auth', 'sign', '--user=ci-bot', '--format=kubernetes', `--out=${out}`);
    expect(noProxy.code).not.toBe(0);
    expect(noProxy.err).toContain('--format=kubernetes needs the address kubectl will reach: add --proxy=<proxy host:port>');
    const r = await tctl('auth', 'sign', '--user=ci-bot', '--format=kubernetes', `--out=${out}`, `--proxy=${c.webAddr}`, '--kube-cluster-name=dev-cluster', '--ttl=1h');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`\nThe credentials have been written to ${out}\n`);
    const home = await mkdtemp(join(dir, 'ci-home-'));
    const pods = await kubectl({ kubeconfig: out, home }, ['get', 'pods']);
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toMatch(/web-1/);
    expect((await kubectl({ kubeconfig: out, home }, ['config', 'current-context'])).stdout.trim()).toBe('kubectl.test-dev-cluster');
    const again = await tctl('auth', 'sign', '--user=ci-bot', '--format=kubernetes', `--out=${out}`, `--proxy=${c.webAddr}`);
    expect(again.err).toContain('use --overwrite to replace them');
    const unknown = await tctl('auth', 'sign', '--user=ci-bot', '--format=kubernetes', `--out=${join(dir, 'x.kubeconfig')}`, `--proxy=${c.webAddr}`, '--kube-cluster-name=nope');
    expect(unknown.err).toContain('kubernetes cluster "nope" is not registered');
  });
});
