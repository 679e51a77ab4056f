/**
 * The node's local spool of a recording, one directory per session under
 * `<data_dir>/log/upload/streaming/default/<sid>/`: `meta.json` (written and fsynced before the
 * session's process starts), `events.log` (records appended as the session runs), `upload.json`
 * (which parts the auth server has), and `ended` once the session ended normally.
 *
 * Write cadence: output is copied into a batch that the spool worker (spool-worker.ts) writes at
 * the end of the event-loop turn (or, while the session's previous batch is still being written,
 * right after it), so a record reaches the kernel within a turn or a write of being produced
 * (sub-millisecond under normal load) without the relay's thread making a system call; only
 * that is needed to survive a `kill -9` of the node, since the page cache outlives the process.
 * fdatasync runs at most once a second while data arrives, and at the end of the session, which
 * bounds what an OS crash or power loss can take to about a second without paying a disk flush
 * per chunk of output. A torn tail left by a crash is found by the record checksums.
 */
import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '../disk/index.js';
import { printRecordsSize, writePrintRecords } from './record-format.js';
import type { RecordingMeta } from './session-events.js';
import { writeBatch } from './spool-worker.js';

/** The spool's root under a data dir (Teleport's path for async uploads). */
export function spoolRoot(dataDir: string): string {
  return join(dataDir, 'log', 'upload', 'streaming', 'default');
}

/** The files of one session's spool. */
export function spoolFiles(dir: string): { meta: string; log: string; checkpoint: string; ended: string } {
  return { meta: join(dir, 'meta.json'), log: join(dir, 'events.log'), checkpoint: join(dir, 'upload.json'), ended: join(dir, 'ended') };
}

/** Output in batches not yet written beyond this pauses the session's process until the disk catches up. */
const HIGH_WATER = 8 * 1024 * 1024;
const DEFAULT_SYNC_MS = 1000;
/** A batch's size: four records of a pipe's 64 KiB reads. Larger records get a batch of their own. */
const BATCH_BYTES = 256 * 1024;
/** Batch memory kept for reuse, for every session of the process (bytes). */
const POOL_BYTES = 8 * 1024 * 1024;
const pool: ArrayBuffer[] = [];

function takeBatch(size: number): Buffer {
  const ab = size <= BATCH_BYTES ? pool.pop() : undefined;
  return ab ? Buffer.from(ab) : Buffer.allocUnsafeSlow(Math.max(size, BATCH_BYTES));
}

function giveBack(ab: ArrayBuffer): void {
  if (ab.byteLength === BATCH_BYTES && pool.length * BATCH_BYTES < POOL_BYTES) pool.push(ab);
}

/** Options of a writer. */
export interface SpoolWriterOptions {
  /** How often at most to fdatasync while data arrives (default 1000 ms). */
  syncIntervalMs?: number;
  /** Called after each write with the offset up to which records are in the file (always at a record boundary). */
  onCommit?(committed: number): void;
  /** Called once, when a write or sync fails (the spool is then dropped). */
  onError?(err: Error): void;
}

/**
 * Appends records to a session's `events.log`. The caller's thread only copies records into a
 * batch; the batch goes to the spool worker (spool-worker.ts: checksums and write) at the end of
 * the event-loop turn, or as soon as it is full. A write failure is kept in `failed`; later
 * appends are dropped.
 */
export class SpoolWriter {
  private batch: Buffer | undefined;
  private used = 0;
  /** Bytes of batch memory handed to the worker and not back yet. */
  private inflight = 0;
  private last: Promise<void> = Promise.resolve();
  private scheduled = false;
  private dirty = false;
  private syncing = false;
  private closed = false;
  private drainWaiters: (() => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  /** Bytes in the file, record-aligned. */
  committed = 0;
  failed: Error | undefined;

  private constructor(
    private readonly fh: FileHandle,
    private readonly opts: SpoolWriterOptions,
  ) {
    this.timer = setInterval(() => void this.sync(), opts.syncIntervalMs ?? DEFAULT_SYNC_MS);
    this.timer.unref();
  }

  /** Creates the spool directory with its meta (fsynced) and an empty log. Throws on I/O errors. */
  static async create(dir: string, meta: RecordingMeta, opts: SpoolWriterOptions = {}): Promise<SpoolWriter> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const files = spoolFiles(dir);
    const mf = await open(files.meta, 'w', 0o600);
    try {
      await mf.writeFile(JSON.stringify(meta));
      await mf.datasync();
    } finally {
      await mf.close();
    }
    const fh = await open(files.log, 'a', 0o600);
    await syncDir(dir);
    return new SpoolWriter(fh, opts);
  }

  /** Whether the caller should wait for `drained()` before producing more. */
  private get full(): boolean {
    return this.used + this.inflight >= HIGH_WATER;
  }

  /** Room for `n` more bytes in the batch; false when the writer takes no more. */
  private room(n: number): boolean {
    if (this.closed || this.failed) return false;
    if (this.batch && this.used + n > this.batch.length) this.post();
    this.batch ??= takeBatch(n);
    this.schedule();
    return true;
  }

  /** Queues whole records (record-format.ts encodeEvent); false when over the high-water mark (wait for `drained()`). */
  append(bufs: Buffer[]): boolean {
    if (!this.room(bufs.reduce((n, b) => n + b.length, 0))) return true;
    for (const b of bufs) this.used += b.copy(this.batch!, this.used);
    return !this.full;
  }

  /** Queues the output records of `data` at `ms` (a copy: `data` may be reused at once); as `append`. */
  appendPrint(ms: number, data: Buffer): boolean {
    if (data.length === 0) return !this.full;
    if (!this.room(printRecordsSize(data.length))) return true;
    this.used = writePrintRecords(this.batch!, this.used, ms, data);
    return !this.full;
  }

  /**
   * At the end of the turn, the batch goes to the worker, unless one of this writer's batches is
   * still there: then it fills on until that one is written (it would wait for it anyway) or it
   * is full. Fewer, larger batches; a record still reaches the kernel as soon as the worker can.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.inflight === 0) this.post();
    });
  }

  /** Hands the batch to the worker. */
  private post(): void {
    const batch = this.batch;
    const len = this.used;
    if (!batch || len === 0 || this.failed) return;
    this.batch = undefined;
    this.used = 0;
    const ab = batch.buffer as ArrayBuffer;
    const cost = ab.byteLength;
    this.inflight += cost;
    const written = writeBatch(this.fh.fd, ab, len).then(
      (ab) => {
        giveBack(ab);
        this.inflight -= cost;
        if (this.failed) return;
        this.committed += len;
        this.dirty = true;
        this.opts.onCommit?.(this.committed);
        this.wakeDrained();
        if (this.inflight === 0 && !this.scheduled) this.post();
      },
      (err: Error) => {
        this.inflight -= cost;
        this.fail(err);
        this.wakeDrained(true);
      },
    );
    this.last = written;
  }

  /** Resolves when output in flight is under half the high-water mark (or the writer failed). */
  drained(): Promise<void> {
    if (this.failed || this.used + this.inflight < HIGH_WATER / 2) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wakeDrained(all = false): void {
    if (!all && this.used + this.inflight >= HIGH_WATER / 2) return;
    for (const w of this.drainWaiters.splice(0)) w();
  }

  private async sync(): Promise<void> {
    if (!this.dirty || this.syncing || this.closed) return;
    this.syncing = true;
    this.dirty = false;
    try {
      await this.fh.datasync();
    } catch (err) {
      this.fail(err as Error);
    } finally {
      this.syncing = false;
    }
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    this.batch = undefined;
    this.used = 0;
    this.opts.onError?.(err);
  }

  /** Writes what is queued, fdatasyncs and closes. Throws the first write error, if any. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    this.post();
    this.closed = true;
    // The worker answers in order: the last write settles after every earlier one.
    await this.last;
    try {
      if (!this.failed) await this.fh.datasync();
    } finally {
      await this.fh.close();
      this.wakeDrained(true);
    }
    if (this.failed) throw this.failed;
  }
}

/** Which parts the auth server has: the next part number and the log offset it starts at. */
export interface UploadCheckpoint {
  part: number;
  offset: number;
  /** `ms` of the last record uploaded so far. */
  lastMs: number;
}

/** The checkpoint of a spool, or the start when there is none (or it is unreadable). */
export async function readCheckpoint(dir: string): Promise<UploadCheckpoint> {
  try {
    const cp = JSON.parse(await readFile(spoolFiles(dir).checkpoint, 'utf8')) as UploadCheckpoint;
    if (Number.isInteger(cp.part) && cp.part >= 1 && Number.isInteger(cp.offset) && cp.offset >= 0) return { ...cp, lastMs: Number(cp.lastMs) || 0 };
  } catch {
    // Absent or torn: start over (part uploads are idempotent).
  }
  return { part: 1, offset: 0, lastMs: 0 };
}

/** Replaces the checkpoint atomically (write + rename). */
export async function writeCheckpoint(dir: string, cp: UploadCheckpoint): Promise<void> {
  const files = spoolFiles(dir);
  await writeFile(`${files.checkpoint}.tmp`, JSON.stringify(cp), { mode: 0o600 });
  await rename(`${files.checkpoint}.tmp`, files.checkpoint);
}

/** Reads a spool's meta; undefined when it is missing or unreadable. */
export async function readMeta(dir: string): Promise<RecordingMeta | undefined> {
  try {
    return JSON.parse(await readFile(spoolFiles(dir).meta, 'utf8')) as RecordingMeta;
  } catch {
    return undefined;
  }
}

/** Marks a spool as belonging to a session that ended normally (fsynced). */
export async function markEnded(dir: string): Promise<void> {
  const fh = await open(spoolFiles(dir).ended, 'w', 0o600);
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await syncDir(dir);
}

/** Removes a spool once its recording is safe on the auth server. */
export async function removeSpool(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
