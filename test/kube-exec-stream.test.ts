// The exec/attach stream parser (src/kube/exec-stream.ts) on what the real kubectl 1.32 and the API
// server stand-in exchange: a relay in between hands the bytes of each upgraded connection to
// execStreamTap, which must read the terminal output, the window sizes and the exit code of an
// interactive `kubectl exec -it` and `kubectl attach -it`, over websocket v5 and over SPDY/3.1.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execStreamTap } from '../src/kube/exec-stream.js';
import { startKubeAPIServer, type KubeAPIServer } from './kube-apiserver/index.js';
import { kubectl, kubectlPty, type KubectlEnv } from './kube-apiserver/kubectl.js';
import { startUpgradeRelay, type UpgradeRelay } from './kube-apiserver/upgrade-relay.js';

interface Seen {
  protocol: string;
  stdout: string;
  stderr: string;
  resizes: string[];
  exitCodes: (number | undefined)[];
  errors: string[];
}

describe('reading kubectl exec sessions off the wire', () => {
  let api: KubeAPIServer;
  let relay: UpgradeRelay;
  let dir: string;
  let env: KubectlEnv;
  const sessions: Seen[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-exec-stream-'));
    api = await startKubeAPIServer();
    api.addPod({ name: 'web' });
    api.addPod({ name: 'console', command: ['sh', '-i'], tty: true });
    const admin = await api.clientCert('admin', ['system:masters']);
    relay = await startUpgradeRelay(api, admin, (protocol) => {
      const seen: Seen = { protocol, stdout: '', stderr: '', resizes: [], exitCodes: [], errors: [] };
      sessions.push(seen);
      return execStreamTap(protocol, {
        output: (d, stream) => (seen[stream] += d.toString('latin1')),
        resize: (c, r) => seen.resizes.push(`${c}x${r}`),
        status: (e) => seen.exitCodes.push(e.exitCode),
        error: (m) => seen.errors.push(m),
      });
    });
    const kubeconfig = join(dir, 'kubeconfig');
    await api.writeKubeconfig(kubeconfig, admin);
    // The same kubeconfig, pointed at the relay.
    const { readFile, writeFile } = await import('node:fs/promises');
    await writeFile(kubeconfig, (await readFile(kubeconfig, 'utf8')).replace(api.url, relay.url));
    env = { kubeconfig, home: dir };
  });
  afterAll(async () => {
    await relay?.close();
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const transports = [
    ['websocket', {}, 'v5.channel.k8s.io'],
    ['SPDY/3.1', { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, 'SPDY/3.1'],
  ] as const;

  for (const [name, extra, protocol] of transports) {
    it(`reads output, resizes and the exit code of kubectl exec -it over ${name}`, async () => {
      const before = sessions.length;
      const t = kubectlPty({ ...env, env: extra }, ['exec', '-it', 'web', '--', 'sh'], { cols: 91, rows: 27 });
      t.pty.write('echo marker-$((6*7))\r');
      await t.until(/marker-42/);
      t.pty.resize(120, 40);
      await new Promise((r) => setTimeout(r, 300));
      t.pty.write('stty size; exit 3\r');
      await t.until(/40 120/);
      expect(await t.exited).toBe(3);
      await new Promise((r) => setTimeout(r, 100));
      const s = sessions.slice(before).find((x) => x.protocol === protocol)!;
      expect(s).toBeDefined();
      expect(s.errors).toEqual([]);
      expect(s.stdout).toMatch(/marker-42\r\n/);
      expect(s.stdout).toMatch(/40 120\r\n/);
      expect(s.resizes[0]).toBe('91x27');
      expect(s.resizes).toContain('120x40');
      expect(s.exitCodes).toEqual([3]);
    });

    it(`reads stdout and stderr apart and a large output whole over ${name}`, async () => {
      const before = sessions.length;
      const r = await kubectl({ ...env, env: extra }, ['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; head -c 2000000 /dev/zero | tr "\\0" z']);
      expect(r.code).toBe(0);
      const s = sessions.slice(before).find((x) => x.protocol === protocol)!;
      expect(s.stderr).toBe('err\n');
      expect(s.stdout.length).toBe(4 + 2_000_000);
      expect(s.stdout.startsWith('out\nzzz')).toBe(true);
      expect(s.exitCodes).toEqual([0]);
    });

    it(`reads an attach -it to a pod's shell over ${name}`, async () => {
      const before = sessions.length;
      const t = kubectlPty({ ...env, env: extra }, ['attach', '-it', 'console'], { cols: 77, rows: 21 });
      await t.until(/If you don't see a command prompt/);
      // The command computes what the test waits for: the terminal's echo of the typed line does not match.
      t.pty.write(`echo attached-$((${name.length} * 2))\r`);
      await t.until(new RegExp(`attached-${name.length * 2}`));
      t.pty.kill();
      await t.exited;
      const s = sessions.slice(before).find((x) => x.protocol === protocol);
      expect(s, JSON.stringify(sessions.slice(before).map((x) => ({ ...x, stdout: x.stdout.slice(-200) })))).toBeDefined();
      expect(s!.stdout).toContain(`attached-${name.length * 2}`);
      // kubectl attach sets the size one larger, then the real one, so that the program redraws.
      expect(s!.resizes).toEqual(['78x22', '77x21']);
    });
  }
});
