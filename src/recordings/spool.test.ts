// The spool writer and the recorder's workers: records copied into batches on this thread are
// checksummed and written by the writer worker in order, and a slice of the spool compressed by
// the encoder worker reads back as the same records.
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeParts } from './part-codec.js';
import { encodeEvent, encodePrint, RecordDecoder, scanRecords, type RecordEntry } from './record-format.js';
import type { RecordingMeta } from './session-events.js';
import { SpoolWriter, spoolFiles } from './spool.js';
import { encodePartOffThread } from './spool-worker.js';

const meta = { sessionId: 's1', kind: 'exec', user: 'u', login: 'l', remoteAddr: '', localAddr: '', tty: false, cols: 80, rows: 24 } as unknown as RecordingMeta;

describe('SpoolWriter', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes records in order with their checksums, output of any size, reporting record-aligned commits', async () => {
    dir = await mkdtemp(join(tmpdir(), 'spool-test-'));
    const commits: number[] = [];
    const w = await SpoolWriter.create(dir, meta, { onCommit: (n) => commits.push(n) });
    const chunks = [Buffer.from('hello'), Buffer.alloc(200_000, 'x'), Buffer.alloc(0), Buffer.alloc(65_536, 'y'), Buffer.from('bye')];
    const expected: Buffer[] = [...encodeEvent({ event: 'session.start' })];
    w.append(encodeEvent({ event: 'session.start' }));
    for (const [i, c] of chunks.entries()) {
      w.appendPrint(i, c);
      expected.push(...encodePrint(i, c));
      // Some turns pass between appends, some do not.
      if (i % 2 === 0) await new Promise((r) => setImmediate(r));
    }
    await w.close();
    const file = await readFile(spoolFiles(dir).log);
    expect(file.equals(Buffer.concat(expected))).toBe(true);
    expect(scanRecords(file)).toMatchObject({ stop: 'end', validEnd: file.length, lastMs: 4 });
    expect(commits.at(-1)).toBe(file.length);
    for (const n of commits) expect(scanRecords(file.subarray(0, n)).stop).toBe('end');
  });

  it('fails a write to a full disk, once, and takes nothing more', async () => {
    dir = await mkdtemp(join(tmpdir(), 'spool-test-'));
    const sd = join(dir, 's');
    await mkdir(sd);
    await symlink('/dev/full', join(sd, 'events.log'));
    const errors: Error[] = [];
    const w = await SpoolWriter.create(sd, meta, { onError: (e) => errors.push(e) });
    w.appendPrint(1, Buffer.from('lost'));
    await expect(w.close()).rejects.toThrow(/ENOSPC|no space/i);
    expect(errors).toHaveLength(1);
    expect(w.appendPrint(2, Buffer.from('more'))).toBe(true);
  });
});

describe('encodePartOffThread', () => {
  it('frames a part that decodes to the same records and gives the buffer back', async () => {
    const raw = Buffer.concat([...encodeEvent({ event: 'x', ms: 1 }), ...encodePrint(2, Buffer.alloc(300_000, 'z'))]);
    const buf = Buffer.allocUnsafeSlow(raw.length + 100);
    raw.copy(buf);
    const { buf: back, part } = await encodePartOffThread(buf.buffer as ArrayBuffer, raw.length);
    expect(back.byteLength).toBe(raw.length + 100);
    expect(buf.length).toBe(0); // transferred
    const out: Buffer[] = [];
    for await (const r of decodeParts((async function* () { yield part; })())) out.push(r);
    expect(Buffer.concat(out).equals(raw)).toBe(true);
    const d = new RecordDecoder();
    const entries: RecordEntry[] = d.push(Buffer.concat(out));
    expect(entries.map((e) => e.type)).toEqual(['event', 'print', 'print', 'print', 'print', 'print']);
  });
});
