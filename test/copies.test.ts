// Copies through a real cluster arrive whole: a file of several MiB both ways (sha256) and a tree
// of many small files with their modes and, with -p, their times, through `tsh scp` and through
// the stock OpenSSH `scp` and `sftp` with the config `tsh config` writes (ProxyCommand `tsh proxy
// ssh`). Speed is measured by bench/copies.mjs, not here.
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { loginUser, waitForNodes, type TshUser } from './helpers/tsh-user.js';

const me = userInfo().username;
const TSH = resolve('bin/tsh');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Run a program without blocking the event loop (the cluster runs in this process). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stderr }));
  });
}

const MODES = [0o644, 0o600, 0o755, 0o640, 0o444];

/** A tree of `count` small files in nested directories, each with its own mode and times. */
async function makeTree(root: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const dir = join(root, `d${i % 7}`, ...(i % 3 === 0 ? ['inner'] : []));
    await mkdir(dir, { recursive: true });
    const file = join(dir, `f${i}.txt`);
    await writeFile(file, randomBytes(i % 5 === 0 ? 0 : 1 + ((i * 7919) % 9000)));
    await chmod(file, MODES[i % MODES.length]);
    await utimes(file, 1_300_000_000 + i, 1_400_000_000 + i * 60);
  }
  await chmod(join(root, 'd3'), 0o750);
}

/** Every entry under `root`: bytes (files), permission bits, and the modification time. */
async function describeTree(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(root, { recursive: true })).sort()) {
    const path = join(root, name);
    const s = await stat(path);
    const content = s.isDirectory() ? 'dir' : sha(await readFile(path));
    out.set(name, `${content} ${(s.mode & 0o7777).toString(8)} ${Math.floor(s.mtimeMs / 1000)}`);
  }
  return out;
}

/** Files only: bytes and mode (directory times change as their entries are written). */
function filesOnly(tree: Map<string, string>): Map<string, string> {
  return new Map([...tree].filter(([, v]) => !v.startsWith('dir ')));
}

describe('copies through the cluster arrive whole', () => {
  let c: TestCluster;
  let alice: TshUser;
  let dir: string;
  let want: Map<string, string>;
  const big = randomBytes(9 * 1024 * 1024 + 123);

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'copies.test', nodename: 'node-1', ssh: 'labels: {env: test}' });
    await waitForNodes(c, ['node-1']);
    alice = await loginUser(c, 'alice', ['access'], [me]);
    dir = await mkdtemp(join(tmpdir(), 'copies-'));
    await writeFile(join(dir, 'big.bin'), big);
    await makeTree(join(dir, 'tree'), 300);
    want = await describeTree(join(dir, 'tree'));
  }, 120_000);
  afterAll(async () => {
    await alice?.cleanup();
    await c?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('tsh scp: a large file both ways, byte for byte', async () => {
    const up = await alice.tsh(['scp', '-q', join(dir, 'big.bin'), `${me}@node-1:${dir}/tsh-up.bin`]);
    expect(up).toMatchObject({ code: 0, err: '' });
    expect(sha(await readFile(join(dir, 'tsh-up.bin')))).toBe(sha(big));
    const down = await alice.tsh(['scp', '-q', `${me}@node-1:${dir}/tsh-up.bin`, join(dir, 'tsh-down.bin')]);
    expect(down).toMatchObject({ code: 0, err: '' });
    expect(sha(await readFile(join(dir, 'tsh-down.bin')))).toBe(sha(big));
  });

  it('tsh scp -r -p: many small files both ways with their modes and times', async () => {
    const up = await alice.tsh(['scp', '-q', '-r', '-p', join(dir, 'tree'), `${me}@node-1:${dir}/tsh-tree-up`]);
    expect(up).toMatchObject({ code: 0, err: '' });
    expect(await describeTree(join(dir, 'tsh-tree-up'))).toEqual(want);
    const down = await alice.tsh(['scp', '-q', '-r', '-p', `${me}@node-1:${dir}/tsh-tree-up`, join(dir, 'tsh-tree-down')]);
    expect(down).toMatchObject({ code: 0, err: '' });
    expect(await describeTree(join(dir, 'tsh-tree-down'))).toEqual(want);
    // Without -p the modes still come along (as scp's), the times do not.
    await alice.tsh(['scp', '-q', '-r', join(dir, 'tree'), `${me}@node-1:${dir}/tsh-tree-plain`]);
    const plain = filesOnly(await describeTree(join(dir, 'tsh-tree-plain')));
    expect([...plain].map(([k, v]) => [k, v.split(' ').slice(0, 2).join(' ')])).toEqual(
      [...filesOnly(want)].map(([k, v]) => [k, v.split(' ').slice(0, 2).join(' ')]),
    );
    expect([...plain.values()].some((v, i) => v !== [...filesOnly(want).values()][i])).toBe(true);
  });

  describe.skipIf(!existsSync(TSH))('OpenSSH scp and sftp through tsh config', () => {
    let args: string[];
    let env: NodeJS.ProcessEnv;
    const host = `${me}@node-1.copies.test`;

    beforeAll(async () => {
      const cfg = await alice.tsh(['config', '-p', c.nodeAddr!.split(':')[1]], { sys: { executablePath: TSH } });
      expect(cfg.code).toBe(0);
      const file = join(alice.home, 'ssh_config');
      await writeFile(file, cfg.out);
      args = ['-F', file, '-o', 'BatchMode=yes', '-q'];
      env = { ...process.env, TELEPORT_HOME: alice.home };
    });

    it('scp -p: a large file and a tree both ways', async () => {
      expect(await run('scp', [...args, join(dir, 'big.bin'), `${host}:${dir}/scp-up.bin`], env)).toMatchObject({ status: 0 });
      expect(sha(await readFile(join(dir, 'scp-up.bin')))).toBe(sha(big));
      expect(await run('scp', [...args, `${host}:${dir}/scp-up.bin`, join(dir, 'scp-down.bin')], env)).toMatchObject({ status: 0 });
      expect(sha(await readFile(join(dir, 'scp-down.bin')))).toBe(sha(big));
      expect(await run('scp', [...args, '-r', '-p', join(dir, 'tree'), `${host}:${dir}/scp-tree-up`], env)).toMatchObject({ status: 0 });
      expect(filesOnly(await describeTree(join(dir, 'scp-tree-up')))).toEqual(filesOnly(want));
      expect(await run('scp', [...args, '-r', '-p', `${host}:${dir}/scp-tree-up`, join(dir, 'scp-tree-down')], env)).toMatchObject({ status: 0 });
      expect(filesOnly(await describeTree(join(dir, 'scp-tree-down')))).toEqual(filesOnly(want));
    });

    it('sftp -p: a large file and a tree both ways', async () => {
      const batch = join(dir, 'sftp-batch');
      await writeFile(
        batch,
        [
          `put -p ${dir}/big.bin ${dir}/sftp-up.bin`,
          `get -p ${dir}/sftp-up.bin ${dir}/sftp-down.bin`,
          `put -pr ${dir}/tree ${dir}/sftp-tree-up`,
          `get -pr ${dir}/sftp-tree-up ${dir}/sftp-tree-down`,
          '',
        ].join('\n'),
      );
      const r = await run('sftp', [...args, '-b', batch, host], env);
      expect(r).toMatchObject({ status: 0 });
      expect(sha(await readFile(join(dir, 'sftp-up.bin')))).toBe(sha(big));
      expect(sha(await readFile(join(dir, 'sftp-down.bin')))).toBe(sha(big));
      expect(filesOnly(await describeTree(join(dir, 'sftp-tree-up')))).toEqual(filesOnly(want));
      expect(filesOnly(await describeTree(join(dir, 'sftp-tree-down')))).toEqual(filesOnly(want));
    });
  });
});
