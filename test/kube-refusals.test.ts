/**
 * Bad input at the Kubernetes front and agent, each answered as a Kubernetes Status that kubectl
 * prints and nothing else disturbed: no client certificate, a certificate from another CA, an
 * expired one, a header value with CR/LF or NUL (sent raw, as kubectl never would), an
 * exec cut mid-session (the session still ends in the audit log).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { spawnInPty } from './helpers/identity-user.js';
import { KUBE_TLS_SERVER_NAME, kubeUser, kubectl } from './helpers/kube-user.js';
import { startKubeAPIServer, type KubeAPIServer } from './kube-apiserver/index.js';

let c: TestCluster;
let api: KubeAPIServer;
let admin: AuthClient;
let dir: string;
let kubeURL: string;
let kubePort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-refusals-'));
  api = await startKubeAPIServer();
  api.addPod({ namespace: 'default', name: 'web-1', command: ['sh', '-c', 'sleep 3600'] });
  const sa = await api.clientCert('teleport-kube-agent', ['system:masters']);
  const agentKubeconfig = await api.writeKubeconfig(join(dir, 'agent.kubeconfig'), { certPem: sa.certPem, keyPem: sa.keyPem }, { name: 'dev-cluster' });
  c = await startCluster({
    proxyExtra: 'kube_listen_addr: 127.0.0.1:0',
    extraSections: ['kubernetes_service:', '  enabled: yes', `  kubeconfig_file: ${agentKubeconfig}`].join('\n'),
  });
  admin = await c.admin();
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'kube-admin' }, spec: { allow: { kubernetes_labels: { '*': '*' }, kubernetes_groups: ['system:masters'] }, deny: {} } });
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'alice' }, spec: { roles: ['kube-admin'] } });
  kubePort = c.process.addresses.proxyKube!.port;
  kubeURL = `https://127.0.0.1:${kubePort}`;
}, 60_000);

afterAll(async () => {
  await c?.close();
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A kubeconfig trusting the cluster with `user` credentials of our making. */
async function kubeconfigWith(file: string, user: Record<string, string>, caPems: string[]): Promise<string> {
  const path = join(dir, file);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  await writeFile(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'x',
      clusters: [{ name: 'x', cluster: { server: kubeURL, 'certificate-authority-data': b64(caPems.join('')), 'tls-server-name': KUBE_TLS_SERVER_NAME } }],
      users: [{ name: 'x', user }],
      contexts: [{ name: 'x', context: { cluster: 'x', user: 'x' } }],
    }),
  );
  return path;
}

/** Sends `request` raw over TLS with alice's certificate; the whole answer. */
async function raw(request: string): Promise<string> {
  const alice = await kubeUser(admin, { dir, file: 'alice-raw', username: 'alice', server: kubeURL });
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: kubePort, servername: KUBE_TLS_SERVER_NAME, ca: alice.caPems, cert: alice.certPem, key: alice.keyPem, ALPNProtocols: ['http/1.1'] }, () => s.write(request));
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

describe('refusals kubectl prints', () => {
  it('refuses a client without a certificate, and one whose certificate another CA signed', async () => {
    const alice = await kubeUser(admin, { dir, file: 'alice-ca', username: 'alice', server: kubeURL });
    const token = await kubeconfigWith('token.kubeconfig', { token: 'abc' }, alice.caPems);
    const r = await kubectl(token, dir, ['get', 'pods']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('no client certificate');
    // A certificate of another CA with the same subject.
    const other = await startKubeAPIServer();
    try {
      const foreign = await other.clientCert('alice', ['kube-admin']);
      const f = await kubeconfigWith('foreign.kubeconfig', { 'client-certificate-data': Buffer.from(foreign.certPem).toString('base64'), 'client-key-data': Buffer.from(foreign.keyPem).toString('base64') }, alice.caPems);
      const fr = await kubectl(f, dir, ['get', 'pods']);
      expect(fr.code).not.toBe(0);
      expect(fr.err).toContain('the client certificate is not valid for this cluster');
    } finally {
      await other.close();
    }
    expect(api.requests.some((q) => q.user.user === 'alice')).toBe(false);
  });

  it('refuses an expired certificate with a hint to log in again', async () => {
    const alice = await kubeUser(admin, { dir, file: 'alice-exp', username: 'alice', server: kubeURL, ttlMs: 1_500 });
    await new Promise((r) => setTimeout(r, 2_000));
    const r = await alice.kubectl(['get', 'pods']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/expired/i);
    expect(r.err).toContain('log in again with "tsh kube login"');
  });

  it('answers a header value with NUL or a smuggled line with a 400 Status, and keeps serving', async () => {
    const nul = await raw('GET /api/v1/pods HTTP/1.1\r\nHost: k\r\nX-Note: a\u0000b\r\n\r\n');
    expect(nul).toMatch(/^HTTP\/1\.1 400/);
    expect(nul).toContain('"kind":"Status"');
    const extra = await raw('GET /api/v1/pods HTTP/1.1\r\nHost: k\r\nImpersonate-Extra-Scopes: admin\r\nConnection: close\r\n\r\n');
    expect(extra).toMatch(/^HTTP\/1\.1 403/);
    expect(extra).toContain('Impersonate-Extra-Scopes');
    const ok = await raw('GET /api/v1/namespaces/default/pods/web-1 HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n');
    expect(ok).toMatch(/^HTTP\/1\.1 200/);
    expect(ok).toContain('"name":"web-1"');
  });

  it('ends the session in the audit log when kubectl exec is cut mid-session', async () => {
    const alice = await kubeUser(admin, { dir, file: 'alice-cut', username: 'alice', server: kubeURL });
    const run = spawnInPty('kubectl', [`--kubeconfig=${alice.kubeconfig}`, `--cache-dir=${join(dir, 'kube-cache')}`, 'exec', '-it', 'web-1', '--', 'sh'], { cols: 80, rows: 24, env: { PATH: process.env.PATH!, HOME: dir, TERM: 'xterm' } });
    await run.until(/[$#] $/m, 20_000);
    run.p.kill('SIGKILL');
    await run.exited;
    let ended = false;
    for (let i = 0; i < 100 && !ended; i++) {
      const evs = (await admin.searchEvents({ types: ['session.end'], user: 'alice', limit: 50 })).events;
      ended = evs.some((e) => e.proto === 'kube' && e.kubernetes_pod_name === 'web-1');
      if (!ended) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ended).toBe(true);
    // The proxy and the agent go on serving.
    const r = await alice.kubectl(['get', 'pods']);
    expect(r.out).toMatch(/web-1/);
  });
});
