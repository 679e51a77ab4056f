/**
 * The client side of Kubernetes access against a real cluster: kube_server heartbeats (sent here
 * by the administrator, as an agent would), a user whose role reaches `env=dev` clusters with
 * trait-templated kubernetes_groups and a deny rule on `env=prod`, and tsh in-process: `tsh kube
 * ls` (table, json), `tsh kube credentials` (the exec plugin's ExecCredential, its certificate's
 * Kubernetes fields, the cache, an expired login), the auth server's refusals (an unknown cluster,
 * a denied one, a user with no Kubernetes access), and `tsh kube login`/`tsh login`/`tsh logout`
 * writing and removing kubeconfig entries that the real kubectl reads.
 */
import { execFile } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../src/api/client/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { totpCode } from '../src/auth/totp.js';
import { identityFromCertificate } from '../src/tlsca/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { PASSWORD, runTshIn, type TshRun } from './helpers/tsh-user.js';

const run = promisify(execFile);
let c: TestCluster;
let admin: AuthClient;
const homes: string[] = [];

/** A user with `traits`, invited, with a tsh home; `login()` runs `tsh login` (extra args allowed). */
async function user(name: string, roles: string[], traits: Record<string, string[]>) {
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name }, spec: { roles, traits } });
  const invite = await admin.createUserToken(name, { type: 'invite' });
  const anon = new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, caPems: (await admin.ping()).host_ca_certs });
  const secret = (await anon.totpRegistration(invite.token)).secret;
  await anon.completeUserToken({ token: invite.token, password: PASSWORD, otp_code: totpCode(secret, Date.now()) });
  const home = await mkdtemp(join(tmpdir(), `tsh-kube-${name}-`));
  homes.push(home);
  const env = { KUBECONFIG: join(home, 'kubeconfig') };
  const tsh = (argv: string[], extraEnv: Record<string, string> = {}, now?: () => number): Promise<TshRun> =>
    runTshIn(home, argv, { env: { ...env, ...extraEnv }, ...(now && { sys: { now } }) });
  return {
    home,
    kubeconfig: env.KUBECONFIG,
    tsh,
    // One login per user: a TOTP code may not be used twice (the invite used this period's).
    login: (...extra: string[]) =>
      runTshIn(home, ['login', `--proxy=${c.webAddr}`, `--user=${name}`, '--insecure', ...extra], {
        env,
        stdin: `${PASSWORD}\n${totpCode(secret, Date.now() + 30_000)}\n`,
      }),
  };
}

function heartbeat(name: string, labels: Record<string, string>) {
  return admin.heartbeatAgentServer(
    'kube_server',
    {
      kind: 'kube_server',
      version: 'v3',
      metadata: { name },
      spec: { host_id: `host-${name}`, hostname: `agent-${name}`, version: '17.0.0', cluster: { kind: 'kube_cluster', version: 'v3', metadata: { name, labels }, spec: {} } },
    },
    10 * 60_000,
  );
}

beforeAll(async () => {
  c = await startCluster({ clusterName: 'kube.test' });
  admin = await c.admin();
  await admin.createResource({
    kind: 'role',
    version: 'v7',
    metadata: { name: 'kube-dev' },
    spec: {
      allow: { kubernetes_labels: { '*': '*' }, kubernetes_groups: ['{{internal.kubernetes_groups}}', 'viewers'], kubernetes_users: ['{{internal.kubernetes_users}}'] },
      deny: { kubernetes_labels: { env: 'prod' } },
    },
  });
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'no-kube' }, spec: { allow: { logins: ['nobody'] } } });
  await heartbeat('dev-cluster', { env: 'dev', team: 'a' });
  await heartbeat('prod-cluster', { env: 'prod' });
  await heartbeat('kube.test', { env: 'dev' });
}, 60_000);

afterAll(async () => {
  for (const h of homes) await rm(h, { recursive: true, force: true });
  await c?.close();
});

describe('tsh kube against a cluster with kube_server heartbeats', () => {
  it('lists the clusters the roles reach (deny wins) as a table and as json; a user without kubernetes_labels sees none', async () => {
    const alice = await user('alice', ['kube-dev'], { kubernetes_groups: ['system:masters'], kubernetes_users: ['alice-k8s'] });
    expect((await alice.login()).code).toBe(0);
    const ls = await alice.tsh(['kube', 'ls']);
    expect(ls.code, ls.err).toBe(0);
    const lines = ls.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Kube Cluster Name +Labels +Selected\s*$/);
    expect(lines.slice(2).map((l) => l.trim().split(/ +/))).toEqual([['dev-cluster', 'env=dev', 'team=a'], ['kube.test', 'env=dev', '*']]);
    const json = await alice.tsh(['kube', 'ls', '--format=json']);
    expect(JSON.parse(json.out)).toEqual([
      { kube_cluster_name: 'dev-cluster', labels: { env: 'dev', team: 'a' }, selected: false },
      // tsh login selected the cluster named like the Teleport cluster.
      { kube_cluster_name: 'kube.test', labels: { env: 'dev' }, selected: true },
    ]);
    const filtered = await alice.tsh(['kube', 'ls', 'team=a', '-f', 'json']);
    expect(JSON.parse(filtered.out).map((x: { kube_cluster_name: string }) => x.kube_cluster_name)).toEqual(['dev-cluster']);
    expect((await alice.tsh(['kube', 'ls', '=x'])).err).toContain('invalid label selector "=x"');
    const bob = await user('bob', ['no-kube'], {});
    expect((await bob.login()).code).toBe(0);
    expect(JSON.parse((await bob.tsh(['kube', 'ls', '--format=json'])).out)).toEqual([]);
  });

  it('the exec plugin prints an ExecCredential whose certificate is routed to the cluster with the roles’ users and groups, cached for the next run', async () => {
    const carol = await user('carol', ['kube-dev'], { kubernetes_groups: ['system:masters'], kubernetes_users: ['carol-k8s'] });
    expect((await carol.login()).code).toBe(0);
    const args = ['kube', 'credentials', '--kube-cluster=dev-cluster', '--teleport-cluster=kube.test', `--proxy=${c.webAddr}`];
    const r = await carol.tsh(args);
    expect(r.code, r.err).toBe(0);
    const cred = JSON.parse(r.out) as { kind: string; apiVersion: string; status: { expirationTimestamp: string; clientCertificateData: string; clientKeyData: string } };
    expect(cred).toMatchObject({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1beta1' });
    const id = identityFromCertificate(cred.status.clientCertificateData);
    expect(id).toMatchObject({ username: 'carol', kubernetesCluster: 'dev-cluster', kubernetesUsers: ['carol-k8s'], kubernetesGroups: ['system:masters', 'viewers'] });
    // A minute before the certificate's own expiry, second precision.
    expect(Date.parse(cred.status.expirationTimestamp)).toBe(Math.floor((id.expires.getTime() - 60_000) / 1000) * 1000);
    expect(cred.status.clientKeyData).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    // The key and the certificate are a pair.
    const cert = new X509Certificate(cred.status.clientCertificateData);
    expect(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(cred.status.clientKeyData))).toBe(true);
    // Cached: a second run returns the same certificate.
    expect(JSON.parse((await carol.tsh(args)).out).status.clientCertificateData).toBe(cred.status.clientCertificateData);
    const file = await readFile(join(carol.home, 'keys', '127.0.0.1', 'carol-kube', 'kube.test', 'dev-cluster-x509.pem'), 'utf8');
    expect(file).toBe(cred.status.clientCertificateData);
  });

  it('refuses an unknown cluster, a denied one and a user with no Kubernetes groups or users, in words', async () => {
    const dave = await user('dave', ['kube-dev'], { kubernetes_groups: ['system:masters'] });
    expect((await dave.login()).code).toBe(0);
    const cred = (kube: string) => dave.tsh(['kube', 'credentials', `--kube-cluster=${kube}`, '--teleport-cluster=kube.test']);
    const unknown = await cred('nope');
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain(`kubernetes cluster "nope" is not registered in this teleport cluster; you can list registered kubernetes clusters using 'tsh kube ls'`);
    // prod-cluster is hidden from the listing, and its certificate refused.
    const denied = await cred('prod-cluster');
    expect(denied.code).not.toBe(0);
    expect(denied.err).toContain('access to kubernetes cluster "prod-cluster" denied: role kube-dev denies it');
    const other = await cred('dev-cluster');
    expect(other.code, other.err).toBe(0);
    expect(identityFromCertificate(JSON.parse(other.out).status.clientCertificateData).kubernetesUsers).toBeUndefined();
    const wrongCluster = await dave.tsh(['kube', 'credentials', '--kube-cluster=dev-cluster', '--teleport-cluster=leaf.test']);
    expect(wrongCluster.err).toContain('this profile is logged in to Teleport cluster "kube.test", not "leaf.test"');
    // A user whose roles reach the cluster but name no Kubernetes user or group.
    await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'kube-labels-only' }, spec: { allow: { kubernetes_labels: { env: 'dev' } } } });
    const erin = await user('erin', ['kube-labels-only'], {});
    expect((await erin.login()).code).toBe(0);
    const none = await erin.tsh(['kube', 'credentials', '--kube-cluster=dev-cluster']);
    expect(none.code).not.toBe(0);
    expect(none.err).toContain('this user cannot request kubernetes access to "dev-cluster", has no assigned groups or users');
  });

  it('an expired login makes the exec plugin ask for a new login instead of handing out a certificate', async () => {
    const frank = await user('frank', ['kube-dev'], { kubernetes_groups: ['system:masters'] });
    expect((await frank.login('--ttl=1')).code).toBe(0);
    const later = () => Date.now() + 2 * 60_000;
    const r = await frank.tsh(['kube', 'credentials', '--kube-cluster=dev-cluster', '--teleport-cluster=kube.test'], {}, later);
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/expired at .*; log in again: tsh login --proxy=127\.0\.0\.1:\d+/);
  });

  it('auth refuses a malformed kubernetes_cluster and issues login certificates with every role’s groups', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(admin.generateUserCerts({ username: 'alice', public_key: pem, kubernetes_cluster: 'a\nb' })).rejects.toThrow(/kubernetes_cluster must be a Kubernetes cluster name/);
    const plain = await admin.generateUserCerts({ username: 'alice', public_key: pem });
    const id = identityFromCertificate(plain.tls);
    expect(id.kubernetesCluster).toBeUndefined();
    expect(id.kubernetesGroups).toEqual(['system:masters', 'viewers']);
  });
});

describe('tctl for Kubernetes agents', () => {
  const tctl = async (...args: string[]) => {
    const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
    const code = await runTctl(['-c', c.configPath, ...args], cap.io);
    return { code, out: cap.out(), err: cap.err() };
  };

  it("nodes add --roles=kube --ttl=10000h --format=json prints a JSON array whose first element is a Kube token (seed 003's jq -r '.[0]')", async () => {
    const r = await tctl('nodes', 'add', '--roles=kube', '--ttl=10000h', '--format=json');
    expect(r.code, r.err).toBe(0);
    const list = JSON.parse(r.out) as string[];
    expect(list).toHaveLength(1);
    const tokens = await tctl('tokens', 'ls', '--format=json');
    const mine = (JSON.parse(tokens.out) as { metadata?: { name: string }; spec?: { roles: string[] }; token?: string; roles?: string[] }[]).find((t) => (t.metadata?.name ?? t.token) === list[0]);
    expect(mine?.spec?.roles ?? mine?.roles).toEqual(['Kube']);
  });

  it('kube ls lists every heartbeat for the administrator, with labels and a filter', async () => {
    const r = await tctl('kube', 'ls');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Cluster +Labels +Version/);
    for (const name of ['dev-cluster', 'kube.test', 'prod-cluster']) expect(r.out).toContain(name);
    const prod = await tctl('kube', 'ls', 'env=prod', '--format=json');
    expect((JSON.parse(prod.out) as { metadata: { name: string } }[]).map((s) => s.metadata.name)).toEqual(['prod-cluster']);
  });
});

describe('kubeconfig from tsh login, tsh kube login and tsh logout (this proxy routes Kubernetes by SNI on its web port)', () => {
  it('writes the entries of every cluster the user reaches beside the other contexts, selects one, and removes them at logout', async () => {
    const gina = await user('gina', ['kube-dev'], { kubernetes_groups: ['system:masters'] });
    await writeFile(
      gina.kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: "https://10.1.2.3:6443"}\ncontexts:\n- name: other\n  context: {cluster: other, user: other}\nusers:\n- name: other\n  user: {token: t}\ncurrent-context: other\n',
    );
    const kubectl = async (...args: string[]) => (await run('kubectl', args, { env: { PATH: process.env.PATH, KUBECONFIG: gina.kubeconfig } })).stdout.trim();
    // tsh login: the default cluster is the one named like the Teleport cluster.
    const login = await gina.login();
    expect(login.code, login.err).toBe(0);
    expect(login.out).toMatch(/  Kubernetes: {9}enabled\n  Kubernetes cluster: "kube\.test"\n  Kubernetes groups: {2}system:masters, viewers\n/);
    expect((await kubectl('config', 'get-contexts', '-o', 'name')).split('\n').sort()).toEqual(['kube.test-dev-cluster', 'kube.test-kube.test', 'other']);
    expect(await kubectl('config', 'current-context')).toBe('kube.test-kube.test');
    const view = JSON.parse(await kubectl('config', 'view', '--raw', '-o', 'json')) as {
      clusters: { name: string; cluster: { server: string; 'tls-server-name'?: string; 'certificate-authority-data'?: string } }[];
      users: { name: string; user: { exec?: { command: string; args: string[]; env?: { name: string; value: string }[] } } }[];
    };
    const cluster = view.clusters.find((x) => x.name === 'kube.test')!.cluster;
    expect(cluster.server).toBe(`https://${c.webAddr}`);
    expect(cluster['tls-server-name']).toBe('kube-teleport-proxy-alpn.teleport.cluster.local');
    const ca = Buffer.from(cluster['certificate-authority-data']!, 'base64').toString();
    expect(ca).toContain((await admin.ping()).host_ca_certs[0].trim());
    const exec = view.users.find((u) => u.name === 'kube.test-dev-cluster')!.user.exec!;
    expect(exec.args).toEqual(['kube', 'credentials', '--kube-cluster=dev-cluster', '--teleport-cluster=kube.test', `--proxy=${c.webAddr}`, '--insecure']);
    expect(exec.env).toEqual([{ name: 'TELEPORT_HOME', value: gina.home }]);

    // tsh kube login: Teleport's message, the context switched, the selection shown by tsh kube ls and tsh status.
    const kl = await gina.tsh(['kube', 'login', 'dev-cluster']);
    expect(kl.code, kl.err).toBe(0);
    expect(kl.out).toBe(`Logged into Kubernetes cluster "dev-cluster". Try 'kubectl version' to test the connection.\n`);
    expect(await kubectl('config', 'current-context')).toBe('kube.test-dev-cluster');
    expect(JSON.parse((await gina.tsh(['kube', 'ls', '-f', 'json'])).out).filter((x: { selected: boolean }) => x.selected)).toEqual([{ kube_cluster_name: 'dev-cluster', labels: { env: 'dev', team: 'a' }, selected: true }]);
    expect((await gina.tsh(['kube', 'ls'])).out).toMatch(/dev-cluster +env=dev team=a +\*/);
    expect((await gina.tsh(['status'])).out).toContain('  Kubernetes cluster: "dev-cluster"\n');
    const named = await gina.tsh(['kube', 'login', 'dev-cluster', '--set-context-name={{.KubeName}}-via-{{.ClusterName}}']);
    expect(named.code, named.err).toBe(0);
    expect(await kubectl('config', 'current-context')).toBe('dev-cluster-via-kube.test');
    expect(JSON.parse((await gina.tsh(['kube', 'ls', '-f', 'json'])).out).find((x: { selected: boolean }) => x.selected).kube_cluster_name).toBe('dev-cluster');
    expect((await gina.tsh(['kube', 'login', 'dev-cluster', '--set-context-name={{.Nope}}'])).err).toContain('only {{.ClusterName}} and {{.KubeName}} may be used');
    const nsLogin = await gina.tsh(['kube', 'login', 'kube.test', '-n', 'apps']);
    expect(nsLogin.code, nsLogin.err).toBe(0);
    expect(await kubectl('config', 'view', '--minify', '-o', 'jsonpath={.contexts[0].context.namespace}')).toBe('apps');

    // Refusals: a denied cluster is not found to this user, an unknown one neither; nothing changes.
    for (const name of ['prod-cluster', 'nope']) {
      const r = await gina.tsh(['kube', 'login', name]);
      expect(r.code).not.toBe(0);
      expect(r.err).toContain(`kubernetes cluster "${name}" not found, check 'tsh kube ls' for a list of known clusters`);
    }
    expect(await kubectl('config', 'current-context')).toBe('kube.test-kube.test');
    const missing = await gina.tsh(['kube', 'login']);
    expect(missing.err).toContain('tsh kube login <kube-cluster>');

    // tsh logout: only Teleport's entries go.
    const out = await gina.tsh(['logout']);
    expect(out.code, out.err).toBe(0);
    expect((await kubectl('config', 'get-contexts', '-o', 'name')).split('\n')).toEqual(['other']);
    // (the --set-context-name context went too: it is on the Teleport cluster)
    expect(await kubectl('config', 'current-context')).toBe('other');
    expect(await readFile(gina.kubeconfig, 'utf8')).not.toContain('kube.test');
  });

  it('tsh login --kube-cluster selects that cluster, and refuses one the user cannot reach', async () => {
    const hank = await user('hank', ['kube-dev'], { kubernetes_groups: ['system:masters'] });
    const ok = await hank.login('--kube-cluster=dev-cluster');
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain('  Kubernetes cluster: "dev-cluster"\n');
    const ivan = await user('ivan', ['kube-dev'], { kubernetes_groups: ['system:masters'] });
    const bad = await ivan.login('--kube-cluster=prod-cluster');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('kubernetes cluster "prod-cluster" not found');
  });
});
