// The pipelined SFTP streams against the machine's OpenSSH sftp-server (`sshd -i` over stdio):
// bytes in order with many READs and WRITEs in flight (ssh2's own streams keep one, which made
// every copy wait a round trip per 64 KiB), short reads filled, one READ past the end of a file of
// known size, exact modes and times, and failures with our error kinds. ssh2's READ and WRITE are
// watched (not replaced) to count what is in flight.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPair } from '../sshca/index.js';
import { connectSSH, type SSHClient } from './client.js';
import type { SFTPSession } from './sftp-client.js';
import { MAX_REQUESTS, REQUEST_SIZE } from './sftp-streams.js';
import { openSSHServer, sshdUnavailable } from './testing/openssh-sshd.js';

const skip = sshdUnavailable();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type IOCallback = (err: Error | undefined, n?: number) => void;
type IOMethod = (handle: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: IOCallback) => void;
const { SFTP } = createRequire(import.meta.url)('ssh2/lib/protocol/SFTP.js') as { SFTP: { prototype: Record<'read' | 'write', IOMethod> } };

/**
 * Counts ssh2's READ or WRITE requests and the most in flight at once; `alter` may ask for fewer
 * bytes than the stream did (a server answering short) or fail a request.
 */
function watch(method: 'read' | 'write', alter?: (pos: number, len: number) => number | Error | undefined) {
  const original = SFTP.prototype[method];
  const seen = { calls: 0, inFlight: 0, max: 0, positions: [] as number[] };
  vi.spyOn(SFTP.prototype, method).mockImplementation(function (this: unknown, handle, buf, off, len, pos, cb) {
    seen.calls++;
    seen.positions.push(pos);
    const changed = alter?.(pos, len) ?? len;
    if (changed instanceof Error) return void process.nextTick(cb, changed);
    seen.inFlight++;
    seen.max = Math.max(seen.max, seen.inFlight);
    original.call(this, handle, buf, off, changed, pos, (err, n) => {
      seen.inFlight--;
      cb(err, n);
    });
  });
  return seen;
}

async function collect(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe.skipIf(skip !== undefined)('pipelined SFTP streams with OpenSSH sftp-server', () => {
  let sshd: Awaited<ReturnType<typeof openSSHServer>>;
  let client: SSHClient;
  let sftp: SFTPSession;
  let dir: string;
  const big = randomBytes(5 * 1024 * 1024 + 7);

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
    dir = join(sshd.dir, 'files');
    await mkdir(dir);
    await writeFile(join(dir, 'big.bin'), big);
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    sftp?.close();
    client?.close();
    await sshd?.cleanup();
  });

  it('reads a file in order with as many READs in flight as OpenSSH sftp', async () => {
    const reads = watch('read');
    const got = await collect(sftp.createReadStream(join(dir, 'big.bin')));
    expect(sha(got)).toBe(sha(big));
    expect(reads.max).toBe(MAX_REQUESTS);
  });

  it('asks again for what a short answer left out', async () => {
    // Every third request is answered 1000 bytes short: the stream must fill each gap.
    let n = 0;
    const reads = watch('read', (_pos, len) => (n++ % 3 === 0 && len > 1000 ? len - 1000 : len));
    const got = await collect(sftp.createReadStream(join(dir, 'big.bin'), { sizeHint: big.length }));
    expect(sha(got)).toBe(sha(big));
    expect(reads.calls).toBeGreaterThan(Math.ceil(big.length / REQUEST_SIZE) + 1);
  });

  it('reads a file of known size with one READ past its end, and a file that grew whole', async () => {
    const small = randomBytes(10_000);
    await writeFile(join(dir, 'small.bin'), small);
    const reads = watch('read');
    expect(sha(await collect(sftp.createReadStream(join(dir, 'small.bin'), { sizeHint: small.length })))).toBe(sha(small));
    expect(reads.positions.sort((a, b) => a - b)).toEqual([0, small.length]);
    // A stat that said less than the file holds: reading goes on to the real end.
    expect(sha(await collect(sftp.createReadStream(join(dir, 'big.bin'), { sizeHint: 100_000 })))).toBe(sha(big));
    expect(sha(await collect(sftp.createReadStream(join(dir, 'small.bin'), { sizeHint: 0 })))).toBe(sha(small));
  });

  it('writes with many WRITEs in flight, then sets the mode exactly and the times', async () => {
    const writes = watch('write');
    const path = join(dir, 'up.bin');
    // 0o666 would become 0o644 under the server's umask without the fchmod.
    const w = sftp.createWriteStream(path, { mode: 0o666, atime: 1_500_000_000, mtime: 1_600_000_000 });
    const chunks = Array.from({ length: Math.ceil(big.length / 65536) }, (_, i) => big.subarray(i * 65536, (i + 1) * 65536));
    await pipeline(Readable.from(chunks), w.stream);
    await w.finished;
    expect(sha(await readFile(path))).toBe(sha(big));
    expect(writes.max).toBeGreaterThanOrEqual(MAX_REQUESTS / 2);
    const s = await stat(path);
    expect(s.mode & 0o7777).toBe(0o666);
    expect(Math.floor(s.mtimeMs / 1000)).toBe(1_600_000_000);
  });

  it('writes an empty file', async () => {
    const w = sftp.createWriteStream(join(dir, 'empty.bin'), { mode: 0o600 });
    w.stream.end();
    await w.finished;
    expect((await stat(join(dir, 'empty.bin'))).size).toBe(0);
  });

  it('fails with our error kinds: a missing file, a missing directory, a refused WRITE', async () => {
    await expect(collect(sftp.createReadStream(join(dir, 'missing')))).rejects.toMatchObject({ code: 'not_found' });
    const nowhere = sftp.createWriteStream(join(dir, 'no', 'such', 'dir.bin'));
    nowhere.stream.end('x');
    await expect(nowhere.finished).rejects.toMatchObject({ code: 'not_found' });
    watch('write', (pos) => (pos === 1024 * 1024 ? Object.assign(new Error('Failure'), { code: 4 }) : undefined));
    const failing = sftp.createWriteStream(join(dir, 'failing.bin'));
    await expect(pipeline(Readable.from([big]), failing.stream)).rejects.toMatchObject({ code: 'bad_parameter' });
    await expect(failing.finished).rejects.toMatchObject({ code: 'bad_parameter' });
  });
});
