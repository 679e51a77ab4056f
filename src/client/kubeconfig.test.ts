import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addTeleportEntries,
  contextNameTemplate,
  execCredential,
  kubeClusterOfContext,
  kubeconfigPath,
  kubeProxyAddr,
  loadKubeConfig,
  parseKubeConfig,
  removeTeleportEntries,
  saveKubeConfig,
  type TeleportKubeEntries,
} from './kubeconfig.js';

const run = promisify(execFile);
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const OTHER = `apiVersion: v1
kind: Config
clusters:
- name: minikube
  cluster: {server: 'https://192.168.49.2:8443', insecure-skip-tls-verify: true}
contexts:
- name: minikube
  context: {cluster: minikube, user: minikube, namespace: kube-system}
users:
- name: minikube
  user: {token: abc}
current-context: minikube
preferences: {colors: true}
`;

const entries = (over: Partial<TeleportKubeEntries> = {}): TeleportKubeEntries => ({
  teleportCluster: 'example.com',
  server: 'https://proxy.example.com:3026',
  caPems: [CA],
  kubeClusters: ['dev', 'prod'],
  select: 'dev',
  exec: { command: '/usr/local/bin/tsh', proxy: 'proxy.example.com:3080' },
  ...over,
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-kubeconfig-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kubeconfig', () => {
  it('uses the first KUBECONFIG entry, else ~/.kube/config', () => {
    expect(kubeconfigPath({ KUBECONFIG: '/a/one:/b/two' }, '/home/u')).toBe('/a/one');
    expect(kubeconfigPath({ KUBECONFIG: '' }, '/home/u')).toBe('/home/u/.kube/config');
    expect(kubeconfigPath({ HOME: '/h' }, '/home/u')).toBe('/h/.kube/config');
  });

  it("adds Teleport's cluster, contexts and exec users beside the other entries, which stay as they were", () => {
    const cfg = addTeleportEntries(parseKubeConfig(OTHER), entries());
    expect(cfg['current-context']).toBe('example.com-dev');
    expect(cfg.preferences).toEqual({ colors: true });
    expect(cfg.clusters.map((c) => c.name)).toEqual(['minikube', 'example.com']);
    expect(cfg.contexts.map((c) => c.name)).toEqual(['minikube', 'example.com-dev', 'example.com-prod']);
    expect(cfg.users.map((c) => c.name)).toEqual(['minikube', 'example.com-dev', 'example.com-prod']);
    expect(cfg.contexts[0].context).toEqual({ cluster: 'minikube', user: 'minikube', namespace: 'kube-system' });
    const cluster = cfg.clusters[1].cluster!;
    expect(cluster.server).toBe('https://proxy.example.com:3026');
    expect(Buffer.from(String(cluster['certificate-authority-data']), 'base64').toString()).toBe(CA);
    expect(cluster['tls-server-name']).toBeUndefined();
    expect(cfg.users[2].user).toEqual({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: '/usr/local/bin/tsh',
        args: ['kube', 'credentials', '--kube-cluster=prod', '--teleport-cluster=example.com', '--proxy=proxy.example.com:3080'],
        interactiveMode: 'IfAvailable',
        provideClusterInfo: false,
      },
    });
    expect(kubeClusterOfContext(cfg, 'example.com-prod')).toBe('prod');
    expect(kubeClusterOfContext(cfg, 'minikube')).toBeUndefined();
  });

  it('replaces its own entries on a second login, keeping a namespace set on the context, and refuses an unknown selection', () => {
    const cfg = addTeleportEntries(parseKubeConfig(OTHER), entries());
    (cfg.contexts[1].context as Record<string, unknown>).namespace = 'team-a';
    addTeleportEntries(cfg, entries({ server: 'https://proxy.example.com:443', select: 'prod', exec: { command: 'tsh', proxy: 'p:443', insecure: true } }));
    expect(cfg.clusters).toHaveLength(2);
    expect(cfg.contexts).toHaveLength(3);
    expect(cfg.contexts[1].context).toMatchObject({ namespace: 'team-a', extensions: [{ name: 'teleport.kube.name', extension: 'dev' }] });
    expect((cfg.contexts[1].context!.extensions as unknown[]).length).toBe(1);
    expect(cfg['current-context']).toBe('example.com-prod');
    expect((cfg.users[1].user as { exec: { args: string[] } }).exec.args).toContain('--insecure');
    expect(() => addTeleportEntries(cfg, entries({ select: 'nope' }))).toThrow(/can't switch kubeconfig context to cluster "nope", run 'tsh kube ls'/);
    expect(() => addTeleportEntries(cfg, entries({ caPems: [] }))).toThrow(/TLS trusted CAs missing/);
  });

  it('names the selected context from a --set-context-name template, refusing other fields', () => {
    expect(contextNameTemplate('{{.KubeName}}@{{ .ClusterName }}', 'example.com', 'dev')).toBe('dev@example.com');
    expect(() => contextNameTemplate('{{.User}}', 'example.com', 'dev')).toThrow(/only \{\{\.ClusterName\}\} and \{\{\.KubeName\}\} may be used, not \{\{\.User\}\}/);
    expect(() => contextNameTemplate('{{.KubeName}}', 'example.com', '')).toThrow(/empty or unprintable/);
    const cfg = addTeleportEntries(parseKubeConfig(OTHER), entries({ selectedContextName: 'my-dev' }));
    expect(cfg.contexts.map((c) => c.name)).toEqual(['minikube', 'my-dev', 'example.com-prod']);
    expect(cfg['current-context']).toBe('my-dev');
    expect(cfg.contexts[1].context).toMatchObject({ cluster: 'example.com', user: 'example.com-dev' });
    expect(kubeClusterOfContext(cfg, 'my-dev')).toBe('dev');
    expect(removeTeleportEntries(cfg, 'example.com')).toBe(true);
    expect(cfg.contexts.map((c) => c.name)).toEqual(['minikube']);
  });

  it('puts --as/--as-groups on the selected cluster user only', () => {
    const cfg = addTeleportEntries(parseKubeConfig(''), entries({ impersonate: 'alice', impersonateGroups: ['guest'] }));
    expect(cfg.users.find((u) => u.name === 'example.com-dev')!.user).toMatchObject({ as: 'alice', 'as-groups': ['guest'] });
    expect(cfg.users.find((u) => u.name === 'example.com-prod')!.user).not.toHaveProperty('as');
  });

  it('removes only the Teleport cluster entries and moves current-context off them', () => {
    const cfg = addTeleportEntries(parseKubeConfig(OTHER), entries());
    expect(removeTeleportEntries(cfg, 'example.com')).toBe(true);
    expect(cfg.clusters.map((c) => c.name)).toEqual(['minikube']);
    expect(cfg.contexts.map((c) => c.name)).toEqual(['minikube']);
    expect(cfg.users.map((c) => c.name)).toEqual(['minikube']);
    expect(cfg['current-context']).toBe('minikube');
    expect(removeTeleportEntries(cfg, 'example.com')).toBe(false);
  });

  it('refuses a file that is not a kubeconfig, naming it; a missing or empty file is an empty config', async () => {
    expect(() => parseKubeConfig('clusters: {a: 1}', '/x/config')).toThrow(/failed to parse existing kubeconfig "\/x\/config": clusters must be a list/);
    expect(() => parseKubeConfig('- a\n- b', '/x/config')).toThrow(/not a mapping/);
    expect(() => parseKubeConfig('a: [', '/x/config')).toThrow(/failed to parse existing kubeconfig/);
    expect((await loadKubeConfig(join(dir, 'missing'))).clusters).toEqual([]);
    expect(parseKubeConfig('').contexts).toEqual([]);
  });

  it('picks the address as Teleport does: web port with SNI under TLS routing, else the kube listener', () => {
    expect(kubeProxyAddr({ tls_routing_enabled: true }, 'proxy.example.com:443')).toEqual({ server: 'https://proxy.example.com:443', tlsServerName: 'kube-teleport-proxy-alpn.proxy.example.com' });
    expect(kubeProxyAddr({ tls_routing_enabled: true }, '127.0.0.1:3080').tlsServerName).toBe('kube-teleport-proxy-alpn.teleport.cluster.local');
    expect(kubeProxyAddr({ kube: { enabled: true, public_addr: 'k.example.com:3026' } }, 'p:3080')).toEqual({ server: 'https://k.example.com:3026' });
    expect(kubeProxyAddr({ kube: { enabled: true, listen_addr: '0.0.0.0:4026' } }, 'p.example.com:3080')).toEqual({ server: 'https://p.example.com:4026' });
    expect(() => kubeProxyAddr({ kube: { enabled: false } }, 'p:3080')).toThrow(/does not serve Kubernetes/);
  });

  it('prints an ExecCredential with the PEMs and a second-precision expiry', () => {
    expect(execCredential('CERT', 'KEY', new Date('2026-12-07T20:00:00.123Z'))).toEqual({
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      spec: { interactive: false },
      status: { expirationTimestamp: '2026-12-07T20:00:00Z', clientCertificateData: 'CERT', clientKeyData: 'KEY' },
    });
  });

  it('writes a file the real kubectl reads: its contexts, the current one and the exec user', async () => {
    const path = join(dir, 'kube', 'config');
    await saveKubeConfig(path, addTeleportEntries(parseKubeConfig(OTHER), entries()));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const env = { PATH: process.env.PATH, HOME: dir, KUBECONFIG: path };
    const contexts = await run('kubectl', ['config', 'get-contexts', '-o', 'name'], { env });
    expect(contexts.stdout.trim().split('\n').sort()).toEqual(['example.com-dev', 'example.com-prod', 'minikube']);
    expect((await run('kubectl', ['config', 'current-context'], { env })).stdout.trim()).toBe('example.com-dev');
    const view = JSON.parse((await run('kubectl', ['config', 'view', '--raw', '-o', 'json'], { env })).stdout) as {
      users: { name: string; user: { exec?: { command: string; args: string[]; apiVersion: string } } }[];
      contexts: { name: string; context: { extensions?: { name: string; extension: unknown }[] } }[];
    };
    const exec = view.users.find((u) => u.name === 'example.com-dev')!.user.exec!;
    expect(exec).toMatchObject({ apiVersion: 'client.authentication.k8s.io/v1beta1', command: '/usr/local/bin/tsh' });
    expect(exec.args).toContain('--kube-cluster=dev');
    expect(view.contexts.find((c) => c.name === 'example.com-dev')!.context.extensions).toEqual([{ name: 'teleport.kube.name', extension: 'dev' }]);
    // And back: what kubectl wrote after a `kubectl config set` is still ours to edit.
    await run('kubectl', ['config', 'set-context', 'example.com-dev', '--namespace=apps'], { env });
    const again = await loadKubeConfig(path);
    expect(kubeClusterOfContext(again, 'example.com-dev')).toBe('dev');
    removeTeleportEntries(again, 'example.com');
    await saveKubeConfig(path, again);
    expect((await readFile(path, 'utf8')).includes('example.com')).toBe(false);
    expect((await run('kubectl', ['config', 'current-context'], { env })).stdout.trim()).toBe('minikube');
  });
});
