/**
 * Kubernetes access end to end with the real kubectl: a cluster whose kubernetes_service serves
 * the API server stand-in (test/kube-apiserver) from a kubeconfig holding a system:masters
 * certificate, kubectl through the proxy's kube_listen_addr and through the web port (SNI
 * kube-teleport-proxy-alpn.*) with a user certificate. The stand-in's own RBAC answers for the
 * impersonated groups (Forbidden for configmaps as guest); kubernetes_labels pick the clusters
 * (deny wins); requests are audited as kube.request.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { identityUser, spawnInPty } from './helpers/identity-user.js';
import { kubeUser } from './helpers/kube-user.js';
import { startKubeAPIServer, type KubeAPIServer } from './kube-apiserver/index.js';
import { kubectlBackground } from './kube-apiserver/kubectl.js';

let c: TestCluster;
let api: KubeAPIServer;
let admin: AuthClient;
let dir: string;
let kubeURL: string;
let webURL: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-access-'));
  api = await startKubeAPIServer();
  api.addPod({ namespace: 'default', name: 'web-1', command: ['sh', '-c', 'echo hello from web-1; sleep 3600'] });
  api.addPod({ namespace: 'kube-system', name: 'dns-1', command: ['sh', '-c', 'sleep 3600'] });
  const sa = await api.clientCert('teleport-kube-agent', ['system:masters']);
  const agentKubeconfig = await api.writeKubeconfig(join(dir, 'agent.kubeconfig'), { certPem: sa.certPem, keyPem: sa.keyPem }, { name: 'dev-cluster' });
  c = await startCluster({
    proxyExtra: 'kube_listen_addr: 127.0.0.1:0',
    extraSections: ['kubernetes_service:', '  enabled: yes', `  kubeconfig_file: ${agentKubeconfig}`, '  labels: {env: dev}'].join('\n'),
  });
  admin = await c.admin();
  const role = (name: string, allow: Record<string, unknown>, deny: Record<string, unknown> = {}) =>
    admin.createResource({ kind: 'role', version: 'v7', metadata: { name }, spec: { allow, deny } });
  await role('kube-admin', { kubernetes_labels: { env: 'dev' }, kubernetes_groups: ['system:masters'] });
  await role('kube-guest', { kubernetes_labels: { '*': '*' }, kubernetes_groups: ['guest'], kubernetes_users: ['{{internal.logins}}'] });
  await role('kube-web-only', { kubernetes_labels: { '*': '*' }, kubernetes_groups: ['system:masters'], kubernetes_resources: [{ kind: 'pod', namespace: 'default', name: 'web-*', verbs: ['get', 'list', 'exec'] }] });
  await role('kube-denied', { kubernetes_labels: { '*': '*' }, kubernetes_groups: ['system:masters'] }, { kubernetes_labels: { env: 'dev' } });
  const user = (name: string, roles: string[], traits: Record<string, string[]> = {}) =>
    admin.createResource({ kind: 'user', version: 'v2', metadata: { name }, spec: { roles, traits } });
  await user('alice', ['kube-admin']);
  await user('gus', ['kube-guest'], { logins: ['gus'] });
  await user('dora', ['kube-denied']);
  await user('wendy', ['kube-web-only']);
  kubeURL = `https://127.0.0.1:${c.process.addresses.proxyKube!.port}`;
  webURL = `https://${c.webAddr}`;
}, 60_000);

afterAll(async () => {
  await c?.close();
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kubectl through the proxy', () => {
  it('lists pods in every namespace through kube_listen_addr and through the web port', async () => {
    for (const server of [kubeURL, webURL]) {
      const alice = await kubeUser(admin, { dir, file: `alice-${server.endsWith(c.webAddr) ? 'web' : 'kube'}`, username: 'alice', server });
      const r = await alice.kubectl(['get', 'pods', '-A']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/NAMESPACE\s+NAME\s+READY\s+STATUS/);
      expect(r.out).toMatch(/default\s+web-1\s/);
      expect(r.out).toMatch(/kube-system\s+dns-1\s/);
    }
    // The API server saw alice impersonated by the agent's own identity, with system:authenticated.
    const seen = api.requests.filter((q) => q.path.startsWith('/api/v1/pods') && q.user.user === 'alice');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0].caller.user).toBe('teleport-kube-agent');
    expect(seen[0].user.groups).toEqual(expect.arrayContaining(['system:masters', 'system:authenticated']));
  });
});

describe('roles decide', () => {
  it('answers with the API server\'s own Forbidden when the roles give the guest group', async () => {
    const gus = await kubeUser(admin, { dir, file: 'gus', username: 'gus', server: kubeURL });
    const pods = await gus.kubectl(['get', 'pods']);
    expect(pods.err).toBe('');
    expect(pods.out).toMatch(/web-1/);
    const cms = await gus.kubectl(['get', 'configmaps']);
    expect(cms.code).not.toBe(0);
    expect(cms.err).toContain('Error from server (Forbidden): configmaps is forbidden: User "gus" cannot list resource "configmaps"');
  });

  it('refuses a cluster a deny kubernetes_labels rule matches, in a Status kubectl prints', async () => {
    const dora = await kubeUser(admin, { dir, file: 'dora', username: 'dora', server: kubeURL });
    const r = await dora.kubectl(['get', 'pods']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/Forbidden|denied/);
    expect(r.err).toContain('user "dora" has no access to any Kubernetes cluster');
    expect(api.requests.some((q) => q.user.user === 'dora')).toBe(false);
  });

  it('limits pods to the kubernetes_resources entries of the roles (v7)', async () => {
    const wendy = await kubeUser(admin, { dir, file: 'wendy', username: 'wendy', server: kubeURL });
    const own = await wendy.kubectl(['get', 'pod', 'web-1']);
    expect(own.err).toBe('');
    expect(own.out).toMatch(/web-1/);
    const other = await wendy.kubectl(['get', 'pod', 'dns-1', '-n', 'kube-system']);
    expect(other.err).toContain('Error from server (Forbidden): access to pod "kube-system/dns-1" denied');
    const all = await wendy.kubectl(['get', 'pods', '-A']);
    expect(all.err).toContain('access to pods in every namespace denied');
    const exec = await wendy.kubectl(['exec', '-n', 'kube-system', 'dns-1', '--', 'true']);
    expect(exec.code).not.toBe(0);
    expect(exec.err).toContain('access to pod "kube-system/dns-1" denied');
    expect((await wendy.kubectl(['exec', 'web-1', '--', 'echo', 'mine'])).out).toBe('mine\n');
  });

  it('refuses impersonation outside the roles, and any other Impersonate-* header', async () => {
    const gus = await kubeUser(admin, { dir, file: 'gus-as', username: 'gus', server: kubeURL });
    const asUser = await gus.kubectl(['get', 'pods', '--as=root']);
    expect(asUser.err).toContain('impersonation request has been denied, user header "root" is not allowed in roles');
    const asGroup = await gus.kubectl(['get', 'pods', '--as=gus', '--as-group=system:masters']);
    expect(asGroup.err).toContain('impersonation request has been denied, group header "system:masters" value is not allowed in roles');
    const uid = await gus.kubectl(['get', 'pods', '--as=gus', '--as-uid=42']);
    expect(uid.err).toContain('header "Impersonate-Uid" is not supported');
    // Inside the roles it acts: the API server sees the group asked for only.
    const ok = await gus.kubectl(['get', 'pods', '--as=gus', '--as-group=guest']);
    expect(ok.err).toBe('');
    expect(ok.out).toMatch(/web-1/);
  });
});

describe('audit', () => {
  it('records kube.request with the verb, path and response code', async () => {
    const reqs = (await admin.searchEvents({ types: ['kube.request'], limit: 1000 })).events;
    const listed = reqs.find((e) => e.user === 'alice' && e.request_path === '/api/v1/pods');
    expect(listed).toMatchObject({ code: 'T3009I', verb: 'GET', response_code: 200, kubernetes_cluster: 'dev-cluster', proto: 'kube', resource_kind: 'pods' });
    const forbidden = reqs.find((e) => e.user === 'gus' && e.request_path === '/api/v1/namespaces/default/configmaps');
    expect(forbidden).toMatchObject({ response_code: 403, resource_namespace: 'default', kubernetes_groups: expect.arrayContaining(['guest', 'system:authenticated']) });
    const refused = reqs.find((e) => e.user === 'gus' && e.response_code === 403 && typeof e.error === 'string' && e.error.includes('"root"'));
    expect(refused).toBeDefined();
  });
});

describe('exec', () => {
  it('runs kubectl exec over websocket (v5) and over SPDY through the proxy, audited with the pod', async () => {
    const alice = await kubeUser(admin, { dir, file: 'alice-exec', username: 'alice', server: kubeURL });
    const ws = await alice.kubectl(['exec', 'web-1', '--', 'sh', '-c', 'echo out-$((40+2)); echo err-7 >&2']);
    expect(ws.out).toBe('out-42\n');
    expect(ws.err).toBe('err-7\n');
    expect(ws.code).toBe(0);
    const spdy = await alice.kubectl(['exec', 'web-1', '--', 'sh', '-c', 'echo spdy-$((6*7))'], { env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' } });
    expect(spdy.err).toBe('');
    expect(spdy.out).toBe('spdy-42\n');
    // stdin reaches the command and its exit status comes back.
    const stdin = await alice.kubectl(['exec', '-i', 'web-1', '--', 'sh', '-c', 'read x; echo got-$x; exit 3'], { input: 'abc\n' });
    expect(stdin.out).toBe('got-abc\n');
    expect(stdin.code).toBe(3);
    const execs = (await admin.searchEvents({ types: ['exec'], user: 'alice', limit: 100 })).events;
    expect(execs.some((e) => e.kubernetes_pod_name === 'web-1' && e.kubernetes_pod_namespace === 'default' && String(e.command).includes('spdy'))).toBe(true);
    // Teleport audits an exec without a TTY as a session (not recorded) with the command's exit code.
    const byCommand = (part: string) => execs.find((e) => String(e.command).includes(part));
    expect(byCommand('spdy-')).toMatchObject({ code: 'T3002I', exitCode: '0', proto: 'kube' });
    expect(byCommand('out-')).toMatchObject({ code: 'T3002I', exitCode: '0' });
    expect(byCommand('got-')).toMatchObject({ code: 'T3002E', exitCode: '3', exitError: expect.stringMatching(/exit code 3/) as unknown });
    const sid = String(byCommand('got-')!.sid);
    const ends = (await admin.searchEvents({ types: ['session.end'], user: 'alice', limit: 100 })).events;
    expect(ends.find((e) => e.sid === sid)).toMatchObject({ proto: 'kube', interactive: false, initial_command: ['sh -c read x; echo got-$x; exit 3'], kubernetes_pod_name: 'web-1' });
  });

  it('answers an exec into a missing pod with the API server\'s NotFound', async () => {
    const alice = await kubeUser(admin, { dir, file: 'alice-nopod', username: 'alice', server: kubeURL });
    const r = await alice.kubectl(['exec', 'nope', '--', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('pods "nope" not found');
  });
});

describe('recorded sessions', () => {
  it('records kubectl exec -it with its output and resizes, replayable with tsh play', async () => {
    const alice = await kubeUser(admin, { dir, file: 'alice-tty', username: 'alice', server: kubeURL });
    const run = spawnInPty('kubectl', [`--kubeconfig=${alice.kubeconfig}`, `--cache-dir=${join(dir, 'kube-cache')}`, 'exec', '-it', 'web-1', '--', 'sh'], {
      cols: 100,
      rows: 30,
      env: { PATH: process.env.PATH!, HOME: dir, TERM: 'xterm' },
    });
    await run.until(/[$#] $/m, 20_000);
    run.p.write('echo rec-$((20+22))\r');
    await run.until(/rec-42/);
    run.p.resize(120, 40);
    run.p.write('stty size\r');
    await run.until(/40 120/);
    run.p.write('exit\r');
    expect(await run.exited).toBe(0);
    const ends = async () => (await admin.searchEvents({ types: ['session.end'], user: 'alice', limit: 100 })).events.filter((e) => e.proto === 'kube' && e.interactive === true);
    for (let i = 0; i < 100 && (await ends()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const end = (await ends())[0];
    expect(end).toMatchObject({ kubernetes_cluster: 'dev-cluster', kubernetes_pod_name: 'web-1', kubernetes_pod_namespace: 'default', interactive: true });
    const sid = String(end.sid);
    // The recording reaches storage just after the session: tsh play reads it.
    const viewer = await identityUser(c, 'rec-viewer', ['auditor'], []);
    try {
      let played = '';
      for (let i = 0; i < 100; i++) {
        const r = await viewer.tsh(['play', sid, '--format=json']);
        if (r.code === 0 && r.out.includes('session.end')) {
          played = r.out;
          break;
        }
        await new Promise((res) => setTimeout(res, 200));
      }
      const events = JSON.parse(played) as Record<string, unknown>[];
      expect(events[0]).toMatchObject({ event: 'session.start', proto: 'kube', kubernetes_pod_name: 'web-1' });
      const printed = events.filter((e) => e.event === 'print').map((e) => Buffer.from(String(e.data), 'base64').toString()).join('');
      expect(printed).toContain('rec-42');
      expect(events.some((e) => e.event === 'resize' && e.size === '120:40')).toBe(true);
    } finally {
      await viewer.cleanup();
    }
  });
});

describe('the rest of kubectl through the proxy', () => {
  it('follows logs, applies a manifest, copies files and port-forwards over websocket and SPDY', async () => {
    const alice = await kubeUser(admin, { dir, file: 'alice-verbs', username: 'alice', server: kubeURL });
    const env = { kubeconfig: alice.kubeconfig, home: dir };
    api.pod('default', 'web-1').appendLog('log line one\n');
    const follow = kubectlBackground(env, ['logs', '-f', 'web-1']);
    await follow.until(/log line one\n/);
    api.pod('default', 'web-1').appendLog('log line two\n');
    await follow.until(/log line two\n/);
    await follow.stop();
    const manifest = join(dir, 'cm.yaml');
    await writeFile(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {color: blue}\n');
    const applied = await alice.kubectl(['apply', '-f', manifest]);
    expect(applied.err).toBe('');
    expect(applied.out).toBe('configmap/settings created\n');
    expect((await alice.kubectl(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.color}'])).out).toBe('blue');
    const src = join(dir, 'to-pod.txt');
    await writeFile(src, 'copied through teleport\n');
    expect((await alice.kubectl(['cp', src, 'web-1:copied.txt'])).code).toBe(0);
    expect(await readFile(join(api.pod('default', 'web-1').dir, 'copied.txt'), 'utf8')).toBe('copied through teleport\n');
    const echo: Server = createServer((sock) => sock.pipe(sock));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const echoPort = (echo.address() as { port: number }).port;
    try {
      for (const extra of [{}, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }] as Record<string, string>[]) {
        const pf = kubectlBackground({ ...env, env: extra }, ['port-forward', 'pod/web-1', `:${echoPort}`]);
        const [, local] = await pf.until(/Forwarding from 127\.0\.0\.1:(\d+) ->/);
        const reply = await new Promise<string>((resolve, reject) => {
          const sock = connect(Number(local), '127.0.0.1', () => sock.write('ping through teleport'));
          sock.on('data', (d) => {
            resolve(d.toString());
            sock.destroy();
          });
          sock.on('error', reject);
        });
        expect(reply).toBe('ping through teleport');
        await pf.stop();
      }
    } finally {
      echo.close();
    }
    // Port-forward is audited as a request (101), as every non-exec request.
    const reqs = (await admin.searchEvents({ types: ['kube.request'], user: 'alice', limit: 1000 })).events;
    expect(reqs.some((e) => String(e.request_path).endsWith('/pods/web-1/portforward') && e.response_code === 101)).toBe(true);
  });
});
