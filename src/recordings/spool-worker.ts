/**
 * The recorder's worker thread: it finishes and writes the batches of records the session
 * writers (spool.ts) hand it, so that the relay's event loop only copies output into a batch.
 * For each batch it computes every record's crc32 (the writer leaves the field zero), writes the
 * batch to the spool file with write(2) and hands the batch's memory back for the next one (a
 * transfer: no copy, no garbage). One worker serves every session of the process; messages are
 * handled in order, so a session's batches reach its file in the order they were made.
 *
 * fdatasync stays on the main thread's libuv pool: one slow disk flush must not hold up the
 * writes of every session.
 */
import { Worker } from 'node:worker_threads';

/** The worker's code (plain JavaScript: it runs as given, without the bundle). */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { crc32 } = require('node:zlib');
parentPort.on('message', (m) => {
  const b = Buffer.from(m.buf, 0, m.len);
  try {
    for (let at = 0; at + 8 <= m.len; ) {
      const n = b.readUInt32LE(at);
      b.writeUInt32LE(crc32(b.subarray(at + 8, at + 8 + n)), at + 4);
      at += 8 + n;
    }
    for (let off = 0; off < m.len; ) off += writeSync(m.fd, b, off, m.len - off);
    parentPort.postMessage({ id: m.id, buf: m.buf }, [m.buf]);
  } catch (err) {
    parentPort.postMessage({ id: m.id, buf: m.buf, error: String(err && err.message), code: err && err.code }, [m.buf]);
  }
});
`;

type Ack = { id: number; buf: ArrayBuffer; error?: string; code?: string };
type Waiter = { resolve(buf: ArrayBuffer): void; reject(err: Error): void };

/** An error of the spool's file (the write's errno code, as fs errors have it). */
export class SpoolWriteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SpoolWriteError';
  }
}

/** The process's spool worker, started on first use and again after it died. */
class SpoolWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiters = new Map<number, Waiter>();

  /**
   * Checksums and writes the first `len` bytes of `buf` (whole records) at the end of file `fd`.
   * `buf` is transferred: it is unusable until the promise resolves to its memory again.
   */
  write(fd: number, buf: ArrayBuffer, len: number): Promise<ArrayBuffer> {
    const worker = this.ensure();
    const id = this.nextId++;
    // While writes are under way, the process waits for them.
    if (this.waiters.size === 0) worker.ref();
    return new Promise<ArrayBuffer>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      worker.postMessage({ id, fd, buf, len }, [buf]);
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 64 } });
    worker.unref();
    worker.on('message', (a: Ack) => {
      const w = this.waiters.get(a.id);
      if (!w) return;
      this.waiters.delete(a.id);
      if (this.waiters.size === 0) worker.unref();
      if (a.error !== undefined) w.reject(new SpoolWriteError(a.error, a.code));
      else w.resolve(a.buf);
    });
    const died = (err: Error): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const waiting = [...this.waiters.values()];
      this.waiters.clear();
      for (const w of waiting) w.reject(err);
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new SpoolWriteError(`the recording worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

/** The one spool worker of this process. */
export const spoolWorker = new SpoolWorker();
