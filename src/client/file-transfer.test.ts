// SFTP copies both ways against the machine's OpenSSH sftp-server (sshd -i over stdio): single
// files, directory trees with -r, scp's target rules, modes, -p times, and the refusals.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../sshca/index.js';
import { connectSSH, type SFTPSession, type SSHClient } from '../sshutils/index.js';
import { openSSHServer, sshdUnavailable } from '../sshutils/testing/openssh-sshd.js';
import { copyFiles, localSide, remoteSide, type FileSide } from './file-transfer.js';

const skip = sshdUnavailable();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(skip !== undefined)('copyFiles over SFTP', () => {
  let sshd: Awaited<ReturnType<typeof openSSHServer>>;
  let client: SSHClient;
  let sftp: SFTPSession;
  let local: FileSide;
  let remote: FileSide;
  let src: string;
  let dst: string;
  const big = randomBytes(3 * 1024 * 1024 + 17);

  beforeAll(async () => {
    sshd = await openSSHServer();
    const user = generateKeyPair('ed25519');
    client = await connectSSH({
      sock: sshd.connect(),
      username: sshd.login,
      privateKey: user.privateKey,
      cert: sshd.userCA.sign(user.publicKey, 'user', [sshd.login]).blob,
      verifyHostKey: () => true,
    });
    sftp = await client.sftp();
    local = localSide();
    remote = remoteSide(sftp, 'node-1');
    src = await mkdtemp(join(tmpdir(), 'scp-src-'));
    dst = await mkdtemp(join(tmpdir(), 'scp-dst-'));
    await mkdir(join(src, 'tree', 'sub', 'deeper'), { recursive: true });
    await writeFile(join(src, 'tree', 'big.bin'), big, { mode: 0o640 });
    await writeFile(join(src, 'tree', 'sub', 'a.txt'), 'a');
    await writeFile(join(src, 'tree', 'sub', 'deeper', 'b.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(join(src, 'one.txt'), 'one');
    await utimes(join(src, 'one.txt'), 1_500_000_000, 1_600_000_000);
  });
  afterAll(async () => {
    sftp?.close();
    client?.close();
    await sshd?.cleanup();
    await rm(src, { recursive: true, force: true });
    await rm(dst, { recursive: true, force: true });
  });

  it('uploads a file to a new path and into an existing directory, reporting progress', async () => {
    const seen: number[] = [];
    await copyFiles(local, [join(src, 'tree', 'big.bin')], remote, join(dst, 'up.bin'), {
      recursive: false,
      preserve: false,
      onProgress: (p) => p.done && seen.push(p.transferred),
    });
    expect(sha(await readFile(join(dst, 'up.bin')))).toBe(sha(big));
    expect(seen).toEqual([big.length]);
    await mkdir(join(dst, 'into'));
    await copyFiles(local, [join(src, 'one.txt'), join(src, 'tree', 'sub', 'a.txt')], remote, join(dst, 'into'), { recursive: false, preserve: false });
    expect(await readFile(join(dst, 'into', 'one.txt'), 'utf8')).toBe('one');
    expect(await readFile(join(dst, 'into', 'a.txt'), 'utf8')).toBe('a');
  });

  it('keeps times with preserve, and modes always', async () => {
    await copyFiles(local, [join(src, 'one.txt')], remote, join(dst, 'kept.txt'), { recursive: false, preserve: true });
    const s = await stat(join(dst, 'kept.txt'));
    expect(Math.floor(s.mtimeMs / 1000)).toBe(1_600_000_000);
    await copyFiles(local, [join(src, 'tree', 'sub', 'deeper', 'b.sh')], remote, join(dst, 'b.sh'), { recursive: false, preserve: false });
    expect((await stat(join(dst, 'b.sh'))).mode & 0o777).toBe(0o755);
  });

  it('copies trees with recursive, both ways, byte for byte', async () => {
    await copyFiles(local, [join(src, 'tree')], remote, join(dst, 'uptree'), { recursive: true, preserve: true });
    expect(sha(await readFile(join(dst, 'uptree', 'big.bin')))).toBe(sha(big));
    expect(await readFile(join(dst, 'uptree', 'sub', 'deeper', 'b.sh'), 'utf8')).toBe('#!/bin/sh\n');
    // Into an existing directory: the tree lands under its own name.
    await copyFiles(remote, [join(dst, 'uptree')], local, src, { recursive: true, preserve: false });
    expect(sha(await readFile(join(src, 'uptree', 'big.bin')))).toBe(sha(big));
    expect(await readFile(join(src, 'uptree', 'sub', 'a.txt'), 'utf8')).toBe('a');
    expect((await stat(join(src, 'uptree', 'sub', 'deeper', 'b.sh'))).mode & 0o777).toBe(0o755);
  });

  it('refuses directories without recursive, missing sources and several sources into a file', async () => {
    await expect(copyFiles(local, [join(src, 'tree')], remote, join(dst, 'x'), { recursive: false, preserve: false })).rejects.toThrow(/is a directory: use -r/);
    await expect(copyFiles(remote, [join(dst, 'nope')], local, src, { recursive: false, preserve: false })).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      copyFiles(local, [join(src, 'one.txt'), join(src, 'one.txt')], remote, join(dst, 'up.bin'), { recursive: false, preserve: false }),
    ).rejects.toThrow(/not a directory/);
  });
});
