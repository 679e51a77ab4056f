// The API server stand-in's streaming verbs driven by the real kubectl 1.32, each over websocket
// (v5.channel.k8s.io; port-forward's SPDY-in-websocket tunnel) and over SPDY/3.1: exec (exit codes,
// stderr, stdin, 3 MB out, -it in a PTY with resizes), attach, cp and port-forward.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeAPIServer, type KubeAPIServer } from './kube-apiserver/index.js';
import { kubectl, kubectlBackground, kubectlPty, type KubectlEnv } from './kube-apiserver/kubectl.js';

describe('kubectl exec, attach, cp and port-forward against the API server stand-in', () => {
  let api: KubeAPIServer;
  let dir: string;
  let admin: KubectlEnv;
  let echo: Server;
  let echoPort: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubeapi-test-'));
    api = await startKubeAPIServer({ tokens: { 'svc-token': { user: 'kube-svc' } } });
    admin = { kubeconfig: await api.writeKubeconfig(join(dir, 'admin.yaml'), await api.clientCert('admin', ['system:masters'])), home: dir };
    api.addPod({ name: 'web', labels: { app: 'web' } });
    api.addPod({ name: 'echoer', command: ['sh', '-c', 'echo started; while read l; do echo "got $l"; done'] });
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as { port: number }).port;
  });
  afterAll(async () => {
    echo?.close();
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const spdy = (e: KubectlEnv): KubectlEnv => ({ ...e, env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' } });
  const transports = [
    ['websocket', (e: KubectlEnv) => e, 'GET'],
    ['SPDY/3.1', spdy, 'POST'],
  ] as const;

  for (const [name, env, method] of transports) {
    describe(`exec and attach over ${name}`, () => {
      it('runs a command, pipes stdin, and passes the exit code and stderr', async () => {
        const e = env(admin);
        const before = api.requests.length;
        const hi = await kubectl(e, ['exec', 'web', '--', 'echo', 'hi']);
        expect(hi).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
        expect(api.requests.slice(before).find((r) => r.path.includes('/exec?'))?.method).toBe(method);
        const piped = await kubectl(e, ['exec', '-i', 'web', '--', 'sh', '-c', 'wc -c; pwd'], { input: Buffer.alloc(300_000, 7) });
        expect(piped.stdout.split('\n')[0]!.trim()).toBe('300000');
        expect(piped.stdout).toContain('kube-standin-');
        const big = await kubectl(e, ['exec', 'web', '--', 'head', '-c', '3000000', '/dev/zero']);
        expect(big.stdout.length).toBe(3_000_000);
        const failed = await kubectl(e, ['exec', 'web', '--', 'sh', '-c', 'echo oops >&2; exit 3']);
        expect(failed).toEqual({ code: 3, stdout: '', stderr: 'oops\ncommand terminated with exit code 3\n' });
        const nope = await kubectl(e, ['exec', 'web', '--', 'no-such-command']);
        expect(nope.code).toBe(1);
        expect(nope.stderr).toMatch(/exec: "no-such-command": executable file not found in \$PATH/);
        const nopod = await kubectl(e, ['exec', 'ghost', '--', 'true']);
        expect(nopod.stderr).toBe('Error from server (NotFound): pods "ghost" not found\n');
      });

      it('exec -it runs a shell in a terminal of the client size and follows a resize', async () => {
        const t = kubectlPty(env(admin), ['exec', '-it', 'web', '--', 'sh'], { cols: 91, rows: 27 });
        t.pty.write('stty size; tty\r');
        await t.until(/27 91\r?\n\/dev\/pts\//);
        t.pty.resize(120, 40);
        await new Promise((r) => setTimeout(r, 200));
        t.pty.write('stty size; exit 4\r');
        await t.until(/40 120/);
        expect(await t.exited).toBe(4);
      });

      it('attaches to the pod main process: input in, output out', async () => {
        const a = kubectlBackground(env(admin), ['attach', '-i', 'echoer']);
        await a.until(/If you don't see a command prompt, try pressing enter/, { stream: 'stderr' });
        a.child.stdin.write(`hello ${name}\n`);
        await a.until(new RegExp(`got hello ${name.replace('/', '\\/')}`));
        await a.stop();
        expect((await kubectl(admin, ['logs', 'echoer'])).stdout).toContain(`got hello ${name}\n`);
      });

      it('cp copies a file into the pod and back (tar over exec)', async () => {
        const src = join(dir, `in-${method}.txt`);
        await writeFile(src, `payload over ${name}\n`);
        const up = await kubectl(env(admin), ['cp', src, `web:copied-${method}.txt`]);
        expect(up.code).toBe(0);
        expect(await readFile(join(api.pod('default', 'web').dir, `copied-${method}.txt`), 'utf8')).toBe(`payload over ${name}\n`);
        const back = join(dir, `back-${method}.txt`);
        expect((await kubectl(env(admin), ['cp', `web:copied-${method}.txt`, back])).code).toBe(0);
        expect(await readFile(back, 'utf8')).toBe(`payload over ${name}\n`);
      });

      it('port-forwards to a port of the pod', async () => {
        const before = api.requests.length;
        const pf = kubectlBackground(env(admin), ['port-forward', 'pod/web', `:${echoPort}`]);
        const [, local] = await pf.until(/Forwarding from 127\.0\.0\.1:(\d+) ->/);
        const reply = await new Promise<string>((resolve, reject) => {
          const s = connect(Number(local), '127.0.0.1', () => s.write('ping through port-forward'));
          s.on('data', (d) => {
            resolve(d.toString());
            s.destroy();
          });
          s.on('error', reject);
        });
        expect(reply).toBe('ping through port-forward');
        await pf.stop();
        expect(api.requests.slice(before).filter((r) => r.path.includes('/portforward')).map((r) => [r.method, r.code])).toEqual([[method, 101]]);
      });
    });
  }

});
