// tsh's forwards and copies against a real cluster: -L to a local TCP server, -R back to one,
// -D with a SOCKS5 client written here, -A with a real ssh-agent, tsh scp both ways with -r and
// content hashes, and the stock OpenSSH client through `tsh config` + `tsh proxy ssh` (bin/tsh).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { loginUser, type TshRun, type TshUser } from './helpers/tsh-user.js';

const me = userInfo().username;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const TSH = resolve('bin/tsh');

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function waitConnectable(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** Run a program without blocking the event loop (the cluster runs in this process). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Send `msg` on a fresh connection, read until the peer closes. */
async function roundTrip(port: number, msg: string): Promise<string> {
  const s = connect(port, '127.0.0.1');
  s.end(msg);
  let out = '';
  for await (const d of s) out += String(d);
  return out;
}

describe('tsh forwards, scp and OpenSSH', () => {
  let c: TestCluster;
  let alice: TshUser;
  let echo: Server;
  let echoPort: number;
  const dirs: string[] = [];

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'fwd.test', nodename: 'node-1', ssh: 'labels: {env: test}' });
    alice = await loginUser(c, 'alice', ['access'], [me]);
    echo = createServer((s) => s.pipe(s));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    echoPort = (echo.address() as AddressInfo).port;
  }, 120_000);
  afterAll(async () => {
    echo?.close();
    await alice?.cleanup();
    await c?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** Run a -N tsh ssh until `body` is done. */
  async function withForwarding(args: string[], body: (stderr: () => string) => Promise<void>): Promise<TshRun> {
    const ac = new AbortController();
    let stderr = '';
    const running = alice.tsh(['ssh', '-N', ...args, `${me}@node-1`], { sys: { signal: ac.signal }, onStderr: (all) => (stderr = all) });
    try {
      await body(() => stderr);
    } finally {
      ac.abort();
    }
    return running;
  }

  it('-L forwards local connections to a destination the node reaches', async () => {
    const port = await freePort();
    const r = await withForwarding(['-L', `${port}:127.0.0.1:${echoPort}`], async () => {
      await waitConnectable(port);
      expect(await roundTrip(port, 'through -L')).toBe('through -L');
      expect(await roundTrip(port, 'again')).toBe('again');
    });
    expect(r.code).toBe(0);
  });

  it('-L alongside a command: the forward lives while the command runs', async () => {
    const port = await freePort();
    const r = await alice.tsh(['ssh', '-L', `127.0.0.1:${port}:127.0.0.1:${echoPort}`, `${me}@node-1`, 'sleep 0.2; echo done']);
    expect(r).toMatchObject({ code: 0, out: 'done\n' });
  });

  it('-R forwards connections to the node back to a local destination', async () => {
    const r = await withForwarding(['-R', `127.0.0.1:0:127.0.0.1:${echoPort}`], async (stderr) => {
      let port = 0;
      for (let i = 0; i < 200 && !port; i++) {
        port = Number(/Allocated port (\d+) for remote forward/.exec(stderr())?.[1] ?? 0);
        if (!port) await new Promise((res) => setTimeout(res, 25));
      }
      expect(port).toBeGreaterThan(0);
      // The node runs on this machine: its listener is reachable here. (Read the answer before
      // ending: the node's -R listener does not keep half-closed connections open.)
      const s = connect(port, '127.0.0.1');
      s.write('through -R');
      const [got] = (await once(s, 'data')) as [Buffer];
      s.end();
      expect(got.toString()).toBe('through -R');
    });
    expect(r.code).toBe(0);
  });

  it('-D is a SOCKS5 proxy whose connections the node makes', async () => {
    const port = await freePort();
    const r = await withForwarding(['-D', String(port)], async () => {
      await waitConnectable(port);
      const s = connect(port, '127.0.0.1');
      await once(s, 'connect');
      const read = async (n: number) => {
        let buf = Buffer.alloc(0);
        while (buf.length < n) {
          const chunk = s.read() as Buffer | null;
          if (chunk) buf = Buffer.concat([buf, chunk]);
          else await once(s, 'readable');
        }
        if (buf.length > n) s.unshift(buf.subarray(n));
        return buf.subarray(0, n);
      };
      s.write(Buffer.from([5, 1, 0]));
      expect([...(await read(2))]).toEqual([5, 0]);
      const host = Buffer.from('localhost');
      const p = Buffer.alloc(2);
      p.writeUInt16BE(echoPort);
      s.write(Buffer.concat([Buffer.from([5, 1, 0, 3, host.length]), host, p]));
      expect((await read(10))[1]).toBe(0);
      s.end('via socks');
      expect((await read(9)).toString()).toBe('via socks');
    });
    expect(r.code).toBe(0);
  });

  it('-A forwards the local ssh-agent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsh-agent-'));
    dirs.push(dir);
    const sock = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
      const r = await alice.tsh(['ssh', '-A', `${me}@node-1`, 'test -S "$SSH_AUTH_SOCK" && ssh-add -l; echo rc=$?'], { env: { SSH_AUTH_SOCK: sock } });
      // rc=1: the agent answered and holds no keys; 2 would mean no agent.
      expect(r.out).toMatch(/rc=1/);
    } finally {
      agent.kill();
    }
  });

  describe('tsh scp', () => {
    let local: string;
    let remote: string;
    const big = randomBytes(2 * 1024 * 1024 + 3);

    beforeAll(async () => {
      local = await mkdtemp(join(tmpdir(), 'tsh-scp-local-'));
      remote = await mkdtemp(join(tmpdir(), 'tsh-scp-remote-'));
      dirs.push(local, remote);
      await mkdir(join(local, 'tree', 'sub'), { recursive: true });
      await writeFile(join(local, 'tree', 'big.bin'), big);
      await writeFile(join(local, 'tree', 'sub', 'small.txt'), 'small');
      await writeFile(join(local, 'file.txt'), 'plain file');
      await utimes(join(local, 'file.txt'), 1_400_000_000, 1_500_000_000);
    });

    it('uploads a tree with -r and downloads it back, byte for byte', async () => {
      const up = await alice.tsh(['scp', '-r', 'tree', `${me}@node-1:${remote}/`], { cwd: local });
      expect(up).toMatchObject({ code: 0, out: '' });
      expect(sha(await readFile(join(remote, 'tree', 'big.bin')))).toBe(sha(big));
      expect(await readFile(join(remote, 'tree', 'sub', 'small.txt'), 'utf8')).toBe('small');
      const down = await alice.tsh(['scp', '-r', '-l', me, `node-1:${remote}/tree`, join(local, 'back')]);
      expect(down.code).toBe(0);
      expect(sha(await readFile(join(local, 'back', 'big.bin')))).toBe(sha(big));
      expect(await readFile(join(local, 'back', 'sub', 'small.txt'), 'utf8')).toBe('small');
    });

    it('keeps times with -p, and shows progress only on a terminal', async () => {
      const r = await alice.tsh(['scp', '-p', join(local, 'file.txt'), `${me}@node-1:${remote}/kept.txt`], { columns: 100 });
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/file\.txt \[=+\] 100% 10 B\/10 B\n/);
      expect(Math.floor((await stat(join(remote, 'kept.txt'))).mtimeMs / 1000)).toBe(1_500_000_000);
      const quiet = await alice.tsh(['scp', '-q', join(local, 'file.txt'), `${me}@node-1:${remote}/quiet.txt`], { columns: 100 });
      expect(quiet.out).toBe('');
    });

    it('refuses directories without -r, missing files and copies with no remote side', async () => {
      const dir = await alice.tsh(['scp', join(local, 'tree'), `${me}@node-1:${remote}/x`]);
      expect(dir).toMatchObject({ code: 1 });
      expect(dir.err).toMatch(/is a directory: use -r/);
      const missing = await alice.tsh(['scp', `${me}@node-1:${remote}/nope`, local]);
      expect(missing.err).toMatch(/nope: no such file or directory/);
      expect((await alice.tsh(['scp', 'a', 'b'])).err).toMatch(/neither side is remote/);
    });
  });

  describe('OpenSSH through tsh config', () => {
    it.skipIf(!existsSync(TSH))('ssh -F <tsh config> login@node-1.<cluster> runs a command', async () => {
      // The node listens on a random port here: -p puts it in the config (OpenSSH's %p).
      const nodePort = c.nodeAddr!.split(':')[1];
      const cfg = await alice.tsh(['config', '-p', nodePort], { sys: { executablePath: TSH } });
      expect(cfg.code).toBe(0);
      expect(cfg.out).toContain(`    Port ${nodePort}\n`);
      expect(cfg.out).toContain(`ProxyCommand "${TSH}" proxy ssh --cluster=fwd.test --proxy=127.0.0.1:${c.webAddr.split(':')[1]} %r@%h:%p`);
      const file = join(alice.home, 'ssh_config');
      await writeFile(file, cfg.out);
      const env = { ...process.env, TELEPORT_HOME: alice.home };
      const r = await run('ssh', ['-F', file, '-o', 'BatchMode=yes', `${me}@node-1.fwd.test`, 'echo from-openssh; exit 5'], env);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('from-openssh\n');
      expect(r.status).toBe(5);
      // scp and sftp ride the same configuration.
      const dir = await mkdtemp(join(tmpdir(), 'tsh-openssh-'));
      dirs.push(dir);
      await writeFile(join(dir, 'x.txt'), 'scp over tsh config');
      const scp = await run('scp', ['-F', file, '-o', 'BatchMode=yes', join(dir, 'x.txt'), `${me}@node-1.fwd.test:${dir}/y.txt`], env);
      expect(scp.status).toBe(0);
      expect(await readFile(join(dir, 'y.txt'), 'utf8')).toBe('scp over tsh config');
    });

    it.skipIf(!existsSync(TSH))('tsh proxy ssh explains an unknown node on stderr', async () => {
      const r = await run(TSH, ['proxy', 'ssh', `${me}@nowhere.fwd.test:3022`], { ...process.env, TELEPORT_HOME: alice.home });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/node "nowhere(:3022)?" not found/);
    });
  });
});

