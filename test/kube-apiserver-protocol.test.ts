// The API server stand-in at the protocol edges kubectl 1.32 does not reach by itself: a client that
// offers only v4.channel.k8s.io, v5's close of stdin, an exec whose client disappears mid-session
// (websocket and SPDY: the command is killed), an unauthenticated upgrade, and a request body past
// the real server's 3 MiB limit.
import { request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startKubeAPIServer, type CertKey, type KubeAPIServer } from './kube-apiserver/index.js';
import { kubectlBackground, type KubectlEnv } from './kube-apiserver/kubectl.js';

describe('API server stand-in protocol edges', () => {
  let api: KubeAPIServer;
  let admin: CertKey;
  let dir: string;
  let env: KubectlEnv;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubeapi-proto-'));
    api = await startKubeAPIServer();
    admin = await api.clientCert('admin', ['system:masters']);
    env = { kubeconfig: await api.writeKubeconfig(join(dir, 'kubeconfig'), admin), home: dir };
    api.addPod({ name: 'web' });
  });
  afterAll(async () => {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Opens an exec websocket with `protocols`; resolves with the channel messages until the server closes. */
  function wsExec(query: string, protocols: string[], o: { cert?: CertKey; send?: Buffer[] } = {}) {
    const cert = o.cert ?? admin;
    const ws = new WebSocket(`${api.url.replace('https', 'wss')}/api/v1/namespaces/default/pods/web/exec?${query}`, protocols, { ca: api.caPem, cert: cert.certPem, key: cert.keyPem });
    const messages: [number, string][] = [];
    return new Promise<{ protocol: string; messages: [number, string][] }>((resolve, reject) => {
      ws.on('open', () => o.send?.forEach((m) => ws.send(m)));
      ws.on('message', (d: Buffer) => messages.push([d[0]!, d.subarray(1).toString()]));
      ws.on('close', () => resolve({ protocol: ws.protocol, messages }));
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode, body })));
      });
      ws.on('error', reject);
    });
  }

  it('speaks v4.channel.k8s.io to a client that offers only it: output on 1, the Status on 3', async () => {
    const ok = await wsExec('command=echo&command=hi&stdout=true', ['v4.channel.k8s.io']);
    expect(ok.protocol).toBe('v4.channel.k8s.io');
    expect(ok.messages).toEqual([
      [1, 'hi\n'],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
    const failed = await wsExec('command=sh&command=-c&command=exit+2&stdout=true', ['v4.channel.k8s.io']);
    expect(JSON.parse(failed.messages.at(-1)![1])).toEqual({
      metadata: {},
      status: 'Failure',
      reason: 'NonZeroExitCode',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 2], exit code 2',
      details: { causes: [{ reason: 'ExitCode', message: '2' }] },
    });
  });

  it('ends stdin at v5 close-stream (255, 0), so cat finishes', async () => {
    const r = await wsExec('command=cat&stdin=true&stdout=true', ['v5.channel.k8s.io', 'v4.channel.k8s.io'], {
      send: [Buffer.from([0, ...Buffer.from('through v5')]), Buffer.from([255, 0])],
    });
    expect(r.protocol).toBe('v5.channel.k8s.io');
    expect(r.messages).toEqual([
      [1, 'through v5'],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
  });

  it('refuses an upgrade without credentials (401 Status) and one with no protocol it speaks (400)', async () => {
    const otherCluster = await startKubeAPIServer();
    const other = await otherCluster.clientCert('admin', ['system:masters']);
    await otherCluster.close();
    await expect(wsExec('command=true&stdout=true', ['v5.channel.k8s.io'], { cert: other })).rejects.toMatchObject({
      statusCode: 401,
      body: '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
    });
    await expect(wsExec('command=true&stdout=true', ['base64.channel.k8s.io'])).rejects.toMatchObject({ statusCode: 400 });
  });

  for (const [name, extra] of [
    ['websocket', {}],
    ['SPDY/3.1', { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }],
  ] as const) {
    it(`kills the command when the ${name} client disappears mid-session`, async () => {
      const k = kubectlBackground({ ...env, env: extra }, ['exec', 'web', '--', 'sh', '-c', 'echo pid=$$; exec sleep 30']);
      const [, pid] = await k.until(/pid=(\d+)/);
      const alive = () => {
        try {
          process.kill(Number(pid), 0);
          return true;
        } catch {
          return false;
        }
      };
      expect(alive()).toBe(true);
      k.child.kill('SIGKILL');
      await k.exited;
      const deadline = Date.now() + 10_000;
      while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(alive()).toBe(false);
    });
  }

  it('answers a body past 3 MiB with 413 RequestEntityTooLarge and stores nothing', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { x: 'y'.repeat(3 * 1024 * 1024 + 10) } });
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${api.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', ca: api.caPem, cert: admin.certPem, key: admin.keyPem, headers: { 'Content-Type': 'application/json' } }, (r) => {
        let b = '';
        r.on('data', (c: Buffer) => (b += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: b }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
    expect(api.store.get('configmaps', 'default', 'huge')).toBeUndefined();
  });
});
