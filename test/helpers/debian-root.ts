/**
 * A bare Debian root for install tests: bookworm `minbase` with curl and ca-certificates (no
 * Node.js, no compiler), made once with debootstrap from Debian's mirror and kept in
 * /var/cache/teleport-ts; each test gets a fresh copy. Commands run in it with chroot inside a
 * private mount namespace (unshare) that has /dev and /proc, as root.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CACHE = '/var/cache/teleport-ts/rootfs-bookworm';

/** The cached root, made on first use (a few minutes: about 100 MB from deb.debian.org). */
export async function cachedDebianRoot(): Promise<string> {
  if (existsSync(join(CACHE, 'etc', 'debian_version'))) return CACHE;
  await mkdir('/var/cache/teleport-ts', { recursive: true });
  const part = `${CACHE}.part-${process.pid}`;
  await rm(part, { recursive: true, force: true });
  await run('debootstrap', ['--variant=minbase', '--include=curl,ca-certificates', 'bookworm', part, 'http://deb.debian.org/debian'], { maxBuffer: 64 << 20 });
  await rm(CACHE, { recursive: true, force: true });
  await rename(part, CACHE);
  return CACHE;
}

/** A fresh copy of the cached root; `remove()` deletes it. */
export async function freshDebianRoot(): Promise<{ dir: string; remove(): Promise<void> }> {
  const base = await cachedDebianRoot();
  const dir = join(await mkdtemp(join(tmpdir(), 'tp-debian-')), 'root');
  await run('cp', ['-a', base, dir]);
  return { dir, remove: () => rm(join(dir, '..'), { recursive: true, force: true }) };
}

/** Runs `script` with bash inside `root` (own mount namespace with /dev and /proc); resolves with its output. */
export function inRoot(root: string, script: string, timeoutMs = 180_000): Promise<{ code: number | null; out: string }> {
  const outer = `set -e; mount --bind /dev "$R/dev"; mount -t proc proc "$R/proc"; exec chroot "$R" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root /bin/bash -c "$S"`;
  return new Promise((resolve) => {
    const child = spawn('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', outer], { env: { ...process.env, R: root, S: script }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}
