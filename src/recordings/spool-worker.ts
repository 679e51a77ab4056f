/**
 * The recorder's worker threads, so that the relay's event loop only copies output into a batch
 * and sends parts. Two workers serve every session of the process:
 *
 * - the writer finishes and writes the batches of records the session writers (spool.ts) hand
 *   it: every record's crc32 (the writer leaves the field zero), then write(2) to the spool file.
 *   Messages are handled in order, so a session's batches reach its file in the order made.
 * - the part encoder compresses a slice of a spool into a framed part (part-codec.ts) for the
 *   uploader. Apart from the writer, so that a part's compression never holds up writes.
 *
 * Memory crosses by transfer (no copy): a batch or a read buffer goes to the worker and comes back
 * for the next use. Compression on the main thread had the main isolate collect its whole heap
 * about once per part (the encoder's memory counts as external); a worker's heap is tiny.
 * fdatasync stays on the main thread's libuv pool: one slow disk flush must not hold up the writes
 * of every session.
 */
import { Worker } from 'node:worker_threads';
import { MAX_FRAME_BYTES, PART_HEADER_BYTES, PART_MAGIC } from './part-codec.js';

/** The workers' code (plain JavaScript: it runs as given, outside the bundle). */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { brotliCompressSync, constants, crc32 } = require('node:zlib');
function write(m) {
  const b = Buffer.from(m.buf, 0, m.len);
  for (let at = 0; at + 8 <= m.len; ) {
    const n = b.readUInt32LE(at);
    b.writeUInt32LE(crc32(b.subarray(at + 8, at + 8 + n)), at + 4);
    at += 8 + n;
  }
  for (let off = 0; off < m.len; ) off += writeSync(m.fd, b, off, m.len - off);
  return { buf: m.buf };
}
function part(m) {
  const raw = Buffer.from(m.buf, 0, m.len);
  const body = brotliCompressSync(raw, {
    chunkSize: 1024 * 1024,
    params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  if (body.length > workerData.maxFrame) throw new Error('a compressed part is larger than ' + workerData.maxFrame + ' bytes');
  // Its own memory (not the pool's), so that it can be transferred.
  const out = Buffer.allocUnsafeSlow(workerData.header + body.length);
  out.write(workerData.magic, 0, 'latin1');
  out.writeUInt32LE(body.length, 4);
  out.writeUInt32LE(raw.length, 8);
  body.copy(out, workerData.header);
  return { buf: m.buf, out: out.buffer };
}
parentPort.on('message', (m) => {
  try {
    const r = m.op === 'part' ? part(m) : write(m);
    parentPort.postMessage({ id: m.id, ...r }, r.out ? [r.buf, r.out] : [r.buf]);
  } catch (err) {
    parentPort.postMessage({ id: m.id, buf: m.buf, error: String(err && err.message), code: err && err.code }, [m.buf]);
  }
});
`;

type Reply = { id: number; buf: ArrayBuffer; out?: ArrayBuffer; error?: string; code?: string };
type Waiter = { resolve(r: Reply): void; reject(err: Error): void };

/** An error of a recorder worker's job (a write's errno code, as fs errors have it). */
export class RecorderWorkerError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'RecorderWorkerError';
  }
}

/** One worker thread, started on first use and again after it died. Jobs are answered in order. */
class RecorderWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiters = new Map<number, Waiter>();

  /** Runs a job; `buf` is transferred, and comes back in the reply. */
  call(msg: { op: 'write' | 'part'; buf: ArrayBuffer; len: number; fd?: number }): Promise<Reply> {
    const worker = this.ensure();
    const id = this.nextId++;
    // While jobs are under way, the process waits for them.
    if (this.waiters.size === 0) worker.ref();
    return new Promise<Reply>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      worker.postMessage({ ...msg, id }, [msg.buf]);
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(SOURCE, {
      eval: true,
      workerData: { magic: PART_MAGIC, header: PART_HEADER_BYTES, maxFrame: MAX_FRAME_BYTES },
      resourceLimits: { maxOldGenerationSizeMb: 64 },
    });
    worker.unref();
    worker.on('message', (r: Reply) => {
      const w = this.waiters.get(r.id);
      if (!w) return;
      this.waiters.delete(r.id);
      if (this.waiters.size === 0) worker.unref();
      if (r.error !== undefined) w.reject(new RecorderWorkerError(r.error, r.code));
      else w.resolve(r);
    });
    const died = (err: Error): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const waiting = [...this.waiters.values()];
      this.waiters.clear();
      for (const w of waiting) w.reject(err);
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new RecorderWorkerError(`the recording worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

const writer = new RecorderWorker();
const encoder = new RecorderWorker();

/**
 * Checksums and writes the first `len` bytes of `buf` (whole records, checksums zero) at the end of
 * file `fd`. `buf` is transferred: it is unusable until the promise resolves to its memory again.
 */
export async function writeBatch(fd: number, buf: ArrayBuffer, len: number): Promise<ArrayBuffer> {
  return (await writer.call({ op: 'write', fd, buf, len })).buf;
}

/**
 * Compresses the first `len` bytes of `buf` (whole records) into one framed part. `buf` is
 * transferred and comes back as `buf`; `part` is the framed part.
 */
export async function encodePartOffThread(buf: ArrayBuffer, len: number): Promise<{ buf: ArrayBuffer; part: Buffer }> {
  const r = await encoder.call({ op: 'part', buf, len });
  return { buf: r.buf, part: Buffer.from(r.out!) };
}
