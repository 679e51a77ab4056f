/**
 * The node's local spool of a recording, one directory per session under
 * `<data_dir>/log/upload/streaming/default/<sid>/`: `meta.json` (written and fsynced before the
 * session's process starts), `events.log` (records appended as the session runs), `upload.json`
 * (which parts the auth server has), and `ended` once the session ended normally.
 *
 * Write cadence: output is queued and written with one write() per event-loop turn, so a record
 * reaches the kernel within a turn of being produced (sub-millisecond under normal load); only
 * that is needed to survive a `kill -9` of the node, since the page cache outlives the process.
 * fdatasync runs at most once a second while data arrives, and at the end of the session, which
 * bounds what an OS crash or power loss can take to about a second without paying a disk flush
 * per chunk of output. A torn tail left by a crash is found by the record checksums.
 */
import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '../disk/index.js';
import type { RecordingMeta } from './session-events.js';

/** The spool's root under a data dir (Teleport's path for async uploads). */
export function spoolRoot(dataDir: string): string {
  return join(dataDir, 'log', 'upload', 'streaming', 'default');
}

/** The files of one session's spool. */
export function spoolFiles(dir: string): { meta: string; log: string; checkpoint: string; ended: string } {
  return { meta: join(dir, 'meta.json'), log: join(dir, 'events.log'), checkpoint: join(dir, 'upload.json'), ended: join(dir, 'ended') };
}

/** Queued output beyond this pauses the session's process until the disk catches up. */
const HIGH_WATER = 8 * 1024 * 1024;
const DEFAULT_SYNC_MS = 1000;

/** Options of a writer. */
export interface SpoolWriterOptions {
  /** How often at most to fdatasync while data arrives (default 1000 ms). */
  syncIntervalMs?: number;
  /** Called after each write with the offset up to which records are in the file (always at a record boundary). */
  onCommit?(committed: number): void;
  /** Called once, when a write or sync fails (the spool is then dropped). */
  onError?(err: Error): void;
}

/** Appends records to a session's `events.log`. A write failure is kept in `failed`; later appends are dropped. */
export class SpoolWriter {
  private queue: Buffer[] = [];
  private queued = 0;
  private inflight = 0;
  private scheduled = false;
  private writing: Promise<void> | undefined;
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

  /** Queues record buffers; false when the queue is over its high-water mark (wait for `drained()`). */
  append(bufs: Buffer[]): boolean {
    if (this.closed || this.failed) return true;
    for (const b of bufs) {
      this.queue.push(b);
      this.queued += b.length;
    }
    if (!this.writing) this.schedule();
    return this.queued + this.inflight < HIGH_WATER;
  }

  /** One write per event-loop turn: everything queued during the turn goes in it. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.kick();
    });
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.flush().finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0 && !this.failed) this.schedule();
    });
  }

  /** Resolves when queued output is under half the high-water mark (or the writer failed). */
  drained(): Promise<void> {
    if (this.failed || this.queued + this.inflight < HIGH_WATER / 2) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.failed) {
        const batch = this.queue;
        const size = this.queued;
        this.inflight = size;
        this.queue = [];
        this.queued = 0;
        // Gathered writes: no copy of the output into one big buffer (they cost GC time).
        await writeAll(this.fh, batch);
        this.committed += size;
        this.inflight = 0;
        this.dirty = true;
        this.opts.onCommit?.(this.committed);
        this.wakeDrained();
      }
    } catch (err) {
      this.fail(err as Error);
      this.queue = [];
      this.queued = 0;
      this.inflight = 0;
      this.wakeDrained(true);
    }
  }

  private wakeDrained(all = false): void {
    if (!all && this.queued + this.inflight >= HIGH_WATER / 2) return;
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
    this.opts.onError?.(err);
  }

  /** Writes what is queued, fdatasyncs and closes. Throws the first write error, if any. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    while (this.writing || (this.queue.length > 0 && !this.failed)) {
      this.kick();
      await this.writing;
    }
    this.closed = true;
    try {
      if (!this.failed) await this.fh.datasync();
    } finally {
      await this.fh.close();
      this.wakeDrained(true);
    }
    if (this.failed) throw this.failed;
  }
}

/** Writes every buffer of `bufs`, in order, with as few writev calls as IOV_MAX allows. */
async function writeAll(fh: FileHandle, bufs: Buffer[]): Promise<void> {
  for (let i = 0; i < bufs.length; i += 1024) {
    let group = bufs.slice(i, i + 1024);
    let want = group.reduce((n, b) => n + b.length, 0);
    while (want > 0) {
      const { bytesWritten } = await fh.writev(group);
      want -= bytesWritten;
      if (want === 0) break;
      // A short write: drop what went out and go on with the rest.
      let skip = bytesWritten;
      while (skip >= group[0].length) skip -= group.shift()!.length;
      group = [group[0].subarray(skip), ...group.slice(1)];
    }
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
