// The Kubernetes API server stand-in (test/kube-apiserver) driven by the real kubectl 1.32: discovery
// and tables (get pods -A, get configmaps), apply -f, delete, watch, logs and logs -f, and the API
// server's refusals (Unauthorized, impersonation not allowed, RBAC Forbidden for the guest group).
// The streaming verbs (exec, attach, cp, port-forward) are in kube-apiserver-streams.test.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeAPIServer, type KubeAPIServer } from './kube-apiserver/index.js';
import { kubectl, kubectlBackground, type KubectlEnv } from './kube-apiserver/kubectl.js';

describe('kubectl against the API server stand-in', () => {
  let api: KubeAPIServer;
  let dir: string;
  let admin: KubectlEnv;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubeapi-test-'));
    api = await startKubeAPIServer({ tokens: { 'svc-token': { user: 'kube-svc' } } });
    admin = { kubeconfig: await api.writeKubeconfig(join(dir, 'admin.yaml'), await api.clientCert('admin', ['system:masters'])), home: dir };
    api.addPod({ name: 'web', labels: { app: 'web' } });
    api.addPod({ name: 'dns', namespace: 'kube-system' });
    api.pod('default', 'web').appendLog('line one\nline two\nline three\n');
  });
  afterAll(async () => {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists pods in all namespaces and namespaces as tables, and an empty namespace as kubectl says it', async () => {
    const pods = await kubectl(admin, ['get', 'pods', '-A']);
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    expect(pods.stdout).toMatch(/\ndefault\s+web\s+1\/1\s+Running\s+0\s+\d+s\n/);
    expect(pods.stdout).toMatch(/\nkube-system\s+dns\s+1\/1\s+Running\s+0\s+/);
    const one = await kubectl(admin, ['get', 'pods', '-n', 'kube-system']);
    expect(one.stdout).not.toMatch(/web/);
    const cms = await kubectl(admin, ['get', 'configmaps', '-n', 'kube-public']);
    expect(cms.stderr).toBe('No resources found in kube-public namespace.\n');
    const json = JSON.parse((await kubectl(admin, ['get', 'pod', 'web', '-o', 'json'])).stdout) as { metadata: { labels: object; resourceVersion: string } };
    expect(json.metadata.labels).toEqual({ app: 'web' });
    expect(Number(json.metadata.resourceVersion)).toBeGreaterThan(0);
    const missing = await kubectl(admin, ['get', 'pod', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
    // Aggregated discovery was asked for and served.
    expect(api.requests.some((r) => r.path.startsWith('/api?'))).toBe(true);
  });

  it('applies a configmap (created, then configured), refuses an unknown field, and kubectl get -w sees a change', async () => {
    const file = join(dir, 'cm.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: blue\n');
    expect((await kubectl(admin, ['apply', '-f', file])).stdout).toBe('configmap/settings created\n');
    const watch = kubectlBackground(admin, ['get', 'configmaps', '-w']);
    await watch.until(/settings\s+1\s+/);
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: green\n  size: big\n');
    expect((await kubectl(admin, ['apply', '-f', file])).stdout).toBe('configmap/settings configured\n');
    await watch.until(/settings\s+2\s+/);
    await watch.stop();
    expect((await kubectl(admin, ['get', 'cm', 'settings', '-o', 'jsonpath={.data.color}'])).stdout).toBe('green');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: made\ndata:\n  k: v\n');
    expect((await kubectl(admin, ['apply', '-f', file])).stdout).toBe('configmap/made created\n');
    expect((await kubectl(admin, ['delete', 'configmap', 'made'])).stdout).toBe('configmap "made" deleted\n');
    expect((await kubectl(admin, ['delete', 'configmap', 'made'])).stderr).toBe('Error from server (NotFound): configmaps "made" not found\n');
    // kubectl create's typed client sends protobuf, which the stand-in does not read: refused as a real server refuses an unknown type.
    expect((await kubectl(admin, ['create', 'configmap', 'typed', '--from-literal=k=v'])).stderr).toMatch(/unknown format - accepted media types include: application\/json/);
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\nfoo: 1\n');
    const bad = await kubectl(admin, ['apply', '-f', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Error from server \(BadRequest\): error when creating ".*cm.yaml": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "foo"/);
  });

  it('prints logs, the tail, and follows new lines', async () => {
    expect((await kubectl(admin, ['logs', 'web'])).stdout).toBe('line one\nline two\nline three\n');
    expect((await kubectl(admin, ['logs', '--tail=1', 'web'])).stdout).toBe('line three\n');
    expect((await kubectl(admin, ['logs', 'web', '-c', 'sidecar'])).stderr).toBe('error: container sidecar is not valid for pod web\n');
    expect((await kubectl(admin, ['logs', 'web', '--previous'])).stderr).toBe('Error from server (BadRequest): previous terminated container "main" in pod "web" not found\n');
    const follow = kubectlBackground(admin, ['logs', '-f', 'web']);
    await follow.until(/line three\n/);
    api.pod('default', 'web').appendLog('line four\n');
    await follow.until(/line four\n/);
    await follow.stop();
  });

  it('refuses what the API server refuses: no credentials, impersonation not granted, RBAC for the guest group', async () => {
    const guest = await kubectl(admin, ['get', 'configmaps', '--as', 'alice', '--as-group', 'guest']);
    expect(guest.code).toBe(1);
    expect(guest.stderr).toBe('Error from server (Forbidden): configmaps is forbidden: User "alice" cannot list resource "configmaps" in API group "" in the namespace "default"\n');
    expect((await kubectl(admin, ['get', 'pods', '--as', 'alice', '--as-group', 'guest'])).code).toBe(0);
    const exec = await kubectl(admin, ['exec', 'web', '--as', 'alice', '--as-group', 'guest', '--', 'true']);
    expect(exec.stderr).toMatch(/pods "web" is forbidden: User "alice" cannot create resource "pods\/exec" in API group "" in the namespace "default"/);

    const svc: KubectlEnv = { kubeconfig: await api.writeKubeconfig(join(dir, 'svc.yaml'), { token: 'svc-token' }), home: dir };
    const noImp = await kubectl(svc, ['get', 'pods', '--as', 'alice', '--as-group', 'system:masters']);
    expect(noImp.stderr).toBe('Error from server (Forbidden): users "alice" is forbidden: User "kube-svc" cannot impersonate resource "users" in API group "" at the cluster scope\n');
    api.rules.push({ users: ['kube-svc'], verbs: ['impersonate'], resources: ['users', 'groups'] });
    const imp = await kubectl(svc, ['get', 'pods', '--as', 'alice', '--as-group', 'system:masters']);
    expect(imp.stdout).toMatch(/web\s+1\/1/);
    expect(api.requests.at(-1)).toMatchObject({ caller: { user: 'kube-svc' }, user: { user: 'alice', groups: ['system:masters', 'system:authenticated'] } });
    const own = await kubectl(svc, ['get', 'pods']);
    expect(own.stderr).toMatch(/pods is forbidden: User "kube-svc" cannot list resource "pods"/);

    const badToken = await kubectl({ ...svc, kubeconfig: await api.writeKubeconfig(join(dir, 'bad.yaml'), { token: 'wrong' }) }, ['get', 'pods']);
    expect(badToken.stderr).toBe('error: You must be logged in to the server (Unauthorized)\n');
    const expired = await api.clientCert('admin', ['system:masters'], new Date(Date.now() - 3600_000));
    const old = await kubectl({ ...svc, kubeconfig: await api.writeKubeconfig(join(dir, 'old.yaml'), expired) }, ['get', 'pods']);
    expect(old.stderr).toBe('error: You must be logged in to the server (Unauthorized)\n');
    const other = await startKubeAPIServer();
    try {
      const foreign = await other.clientCert('admin', ['system:masters']);
      const f = await kubectl({ ...svc, kubeconfig: await api.writeKubeconfig(join(dir, 'foreign.yaml'), foreign) }, ['get', 'pods']);
      expect(f.stderr).toBe('error: You must be logged in to the server (Unauthorized)\n');
    } finally {
      await other.close();
    }
  });
});
