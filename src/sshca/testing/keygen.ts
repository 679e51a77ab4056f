/**
 * Test fixtures for sshca: temp directories and a runner for the machine's ssh-keygen (run with
 * TZ=UTC so printed validity times are stable). Test-only; not exported from the package index.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Result of one ssh-keygen run. */
export interface KeygenResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `ssh-keygen args...` in `cwd`, feeding `input` on stdin; never rejects on a non-zero exit. */
export function sshKeygen(args: string[], cwd: string, input?: Buffer | string): Promise<KeygenResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh-keygen', args, { cwd, env: { ...process.env, TZ: 'UTC' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    // ssh-keygen may exit without reading stdin; the exit code, not EPIPE, is the result.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** Like sshKeygen but throws with stderr when the exit code is not 0. */
export async function sshKeygenOk(args: string[], cwd: string, input?: Buffer | string): Promise<string> {
  const r = await sshKeygen(args, cwd, input);
  if (r.code !== 0) throw new Error(`ssh-keygen ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** A fresh directory under os.tmpdir(); call `cleanup` in afterAll/afterEach. */
export async function tempDir(): Promise<{ dir: string; path: (name: string) => string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sshca-'));
  return { dir, path: (name) => join(dir, name), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
