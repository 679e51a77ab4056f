/**
 * The node's SessionRecorder: asks the auth server for the cluster's recording mode, spools each
 * recorded session to the data dir as it runs, uploads it in parts while it runs and the rest when
 * it ends, and (the upload completer) finishes spools left behind by a crash, a restart or an
 * unreachable auth server, at start and every `scanIntervalMs`.
 *
 * Modes: `node` uploads a part each time `partSize` bytes have been spooled; `node-sync` uploads
 * whatever is new every second, and refuses a `strict` session when the auth server cannot be
 * reached. `off` records nothing. `proxy` and `proxy-sync` would have the proxy terminate SSH and
 * record; this build's proxy does not, so sessions in those modes are not recorded (logged).
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../api/clock.js';
import { ConnectionProblemError } from '../api/errors.js';
import type { SessionRecordingMode } from '../api/recording-wire.js';
import type { Logger } from '../log/index.js';
import type { RecordedParty, RecordingStart, SessionRecorder, SessionRecording } from '../node/index.js';
import type { ExitStatus } from '../sshutils/index.js';
import { encodeEvent, MAX_PAYLOAD_BYTES } from './record-format.js';
import { execEvent, partyEvent, resizeEvent, sessionEndEvent, sessionStartEvent, type RecordingMeta } from './session-events.js';
import { markEnded, removeSpool, spoolRoot, SpoolWriter } from './spool.js';
import { DEFAULT_PART_SIZE, SpoolUploader, type RecordingUploadTarget } from './uploader.js';

/** Options of the node's recorder. */
export interface NodeRecorderOptions {
  /** The node's data_dir; the spool lives under log/upload/streaming/default. */
  dataDir: string;
  target: RecordingUploadTarget;
  clusterName: string;
  serverId: string;
  serverHostname: string;
  clock: Clock;
  logger: Logger;
  /** Bytes per uploaded part while a session runs in `node` mode (default 5 MiB). */
  partSizeBytes?: number;
  /** fdatasync cadence of the spool (default 1000 ms). */
  syncIntervalMs?: number;
  /** How often the upload completer looks for unfinished spools (default 10 s). */
  scanIntervalMs?: number;
  /** How long a fetched recording mode is trusted (default 30 s). */
  modeTtlMs?: number;
  /** Monotonic milliseconds for event offsets (default performance.now). */
  monotonic?: () => number;
}

const SYNC_UPLOAD_MS = 1000;
const MAX_COMMAND_CHARS = 64 * 1024;
const MODE_FETCH_TIMEOUT_MS = 3_000;

/** `p`, or a ConnectionProblemError after `ms`. */
async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ConnectionProblemError(`no answer from the auth server in ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Records sessions on this node. `start()` runs the completer; `close()` is safe to call twice. */
export class NodeRecorder implements SessionRecorder {
  private readonly root: string;
  private readonly log: Logger;
  private readonly partSize: number;
  private readonly active = new Set<string>();
  private readonly jobs = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, number>();
  private modeCache: { at: number; mode: SessionRecordingMode } | undefined;
  private warnedProxy = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: NodeRecorderOptions) {
    this.root = spoolRoot(opts.dataDir);
    this.log = opts.logger.child({ component: 'recorder' });
    // A part must be able to hold the largest record.
    this.partSize = Math.max(opts.partSizeBytes ?? DEFAULT_PART_SIZE, MAX_PAYLOAD_BYTES + 8);
  }

  /** Creates the spool root and starts the upload completer (first scan at once). */
  async start(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    this.timer = setInterval(() => void this.scan(), this.opts.scanIntervalMs ?? 10_000);
    this.timer.unref();
    void this.scan();
  }

  /** Stops the completer and waits (up to `waitMs`) for uploads under way; the rest waits for the next start. */
  async close(waitMs = 5_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.jobs.values()]), new Promise((r) => (timeout = setTimeout(r, waitMs)))]);
    clearTimeout(timeout);
  }

  /** Finishes every spool that no running session owns. Resolves when those uploads (new or under way) have settled. */
  async scan(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return;
    }
    const work: Promise<void>[] = [];
    for (const sid of names) {
      if (this.active.has(sid) || sid.startsWith('.')) continue;
      // An upload under way for it is waited for, not repeated.
      const running = this.jobs.get(sid);
      work.push(running ?? this.enqueue(sid, () => this.finish(sid)));
    }
    await Promise.allSettled(work);
  }

  async begin(start: RecordingStart): Promise<SessionRecording | undefined> {
    const mode = await this.mode(start.strict);
    if (mode === 'off') return undefined;
    if (mode === 'proxy' || mode === 'proxy-sync') {
      if (!this.warnedProxy) {
        this.warnedProxy = true;
        this.log.warn({ mode }, 'session_recording is a proxy mode, but this build\'s proxy does not terminate SSH to record: sessions are NOT recorded; use "node" or "node-sync"');
      }
      return undefined;
    }
    const { strict: _strict, onFailure, ...rest } = start;
    const meta: RecordingMeta = {
      ...rest,
      // Events must fit a record; a command longer than this is cut in the recording.
      ...(rest.command !== undefined && { command: rest.command.slice(0, MAX_COMMAND_CHARS) }),
      clusterName: this.opts.clusterName,
      serverId: this.opts.serverId,
      serverHostname: this.opts.serverHostname,
      mode,
      startTime: this.opts.clock.now(),
    };
    const dir = join(this.root, start.sessionId);
    let writer: SpoolWriter;
    const rec = new ActiveRecording(this, meta, dir, this.opts.monotonic ?? (() => performance.now()), this.log);
    // Claimed before its directory exists: a scan of the completer running now must not take it for abandoned.
    this.active.add(start.sessionId);
    try {
      writer = await SpoolWriter.create(dir, meta, {
        syncIntervalMs: this.opts.syncIntervalMs,
        onCommit: (n) => rec.committed(n),
        onError: (err) => {
          this.log.error({ session_id: start.sessionId, err: err.message }, 'session recording spool failed; the rest of the session is not recorded');
          onFailure?.(err);
        },
      });
    } catch (err) {
      this.active.delete(start.sessionId);
      this.log.warn({ session_id: start.sessionId, err: (err as Error).message }, 'cannot spool the session recording');
      if (start.strict) throw new ConnectionProblemError(`the session cannot be recorded: ${(err as Error).message}`, { cause: err });
      return undefined;
    }
    rec.attach(writer, mode === 'node-sync');
    writer.append(encodeEvent(sessionStartEvent(meta)));
    return rec;
  }

  /** The mode to record in, cached for modeTtlMs; `node` when the auth server never answered. */
  private async mode(strict: boolean): Promise<SessionRecordingMode> {
    const now = this.opts.clock.now();
    const cached = this.modeCache;
    const fresh = cached && now - cached.at < (this.opts.modeTtlMs ?? 30_000);
    // node-sync promises the auth server has the recording as it happens: check it is there.
    if (fresh && !(strict && cached.mode === 'node-sync')) return cached.mode;
    try {
      // A session waits for this: an auth server that does not answer must not hold it for long.
      const { mode } = await withTimeout(this.opts.target.recordingConfig(), MODE_FETCH_TIMEOUT_MS);
      this.modeCache = { at: now, mode };
      return mode;
    } catch (err) {
      if (strict && (cached?.mode ?? 'node') === 'node-sync') {
        throw new ConnectionProblemError('session_recording is node-sync and the role requires recording (record_session: strict), but the auth server cannot be reached', { cause: err });
      }
      this.log.debug({ err: (err as Error).message }, 'cannot fetch the recording mode; using the last known');
      return cached?.mode ?? 'node';
    }
  }

  /** Runs `fn` after the jobs already queued for `sid`. */
  enqueue(sid: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.jobs.get(sid) ?? Promise.resolve();
    const job = prev.then(fn).catch((err: unknown) => this.failed(sid, err));
    this.jobs.set(sid, job);
    void job.finally(() => {
      if (this.jobs.get(sid) === job) this.jobs.delete(sid);
    });
    return job;
  }

  private failed(sid: string, err: unknown): void {
    const n = (this.failures.get(sid) ?? 0) + 1;
    this.failures.set(sid, n);
    const fields = { session_id: sid, attempt: n, err: (err as Error).message };
    // The first failure and every tenth after it: an auth server down for an hour is one problem.
    if (n === 1 || n % 10 === 0) this.log.warn(fields, 'session recording upload failed; the spool is kept and retried');
    else this.log.debug(fields, 'session recording upload failed again');
  }

  private async finish(sid: string, uploader?: SpoolUploader): Promise<void> {
    const up = uploader ?? new SpoolUploader(join(this.root, sid), sid, this.opts.target, { partSize: this.partSize, logger: this.log });
    const result = await up.finish();
    this.failures.delete(sid);
    this.log.info({ session_id: sid, result }, 'session recording uploaded');
  }

  /** An ActiveRecording's session ended (or was discarded): let the completer see its spool. */
  release(sid: string): void {
    this.active.delete(sid);
  }

  /** Upload the session's spool as it grows. */
  uploaderFor(dir: string, sid: string): SpoolUploader {
    return new SpoolUploader(dir, sid, this.opts.target, { partSize: this.partSize, logger: this.log });
  }

  get partBytes(): number {
    return this.partSize;
  }

  /** Queue the final upload of an ended session. */
  finishLater(sid: string, uploader: SpoolUploader): void {
    void this.enqueue(sid, () => this.finish(sid, uploader));
  }
}

/** One running session's recording. */
class ActiveRecording implements SessionRecording {
  private writer: SpoolWriter | undefined;
  private uploader: SpoolUploader | undefined;
  private uploadQueued = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private done = false;
  private readonly t0: number;
  private readonly joined: string[] = [];

  constructor(
    private readonly rec: NodeRecorder,
    private readonly meta: RecordingMeta,
    private readonly dir: string,
    private readonly monotonic: () => number,
    private readonly log: Logger,
  ) {
    this.t0 = monotonic();
  }

  attach(writer: SpoolWriter, sync: boolean): void {
    this.writer = writer;
    this.uploader = this.rec.uploaderFor(this.dir, this.meta.sessionId);
    if (sync) {
      this.syncTimer = setInterval(() => this.uploadNew(1), SYNC_UPLOAD_MS);
      this.syncTimer.unref();
    }
  }

  private ms(): number {
    return this.monotonic() - this.t0;
  }

  write(data: Buffer): boolean {
    if (this.done || !this.writer) return true;
    return this.writer.appendPrint(this.ms(), data);
  }

  drained(): Promise<void> {
    return this.writer?.drained() ?? Promise.resolve();
  }

  party(p: RecordedParty): void {
    if (this.done) return;
    if (p.type === 'session.join' && !this.joined.includes(p.user)) this.joined.push(p.user);
    this.writer?.append(encodeEvent(partyEvent(this.meta, Math.round(this.ms()), p)));
  }

  resize(cols: number, rows: number): void {
    if (this.done) return;
    this.writer?.append(encodeEvent(resizeEvent(this.meta, Math.round(this.ms()), cols, rows)));
  }

  /** The writer committed bytes up to `n`: in node mode, upload once a part's worth is spooled. */
  committed(n: number): void {
    if (!this.syncTimer && this.uploader && n - this.uploader.uploadedOffset >= this.rec.partBytes) this.uploadNew(this.rec.partBytes);
  }

  private uploadNew(minPart: number): void {
    const { writer, uploader } = this;
    if (this.uploadQueued || !writer || !uploader || writer.committed <= uploader.uploadedOffset) return;
    this.uploadQueued = true;
    void this.rec.enqueue(this.meta.sessionId, async () => {
      this.uploadQueued = false;
      await uploader.upload(writer.committed, minPart);
    });
  }

  async end(exit: ExitStatus): Promise<void> {
    if (this.done) return;
    this.done = true;
    clearInterval(this.syncTimer);
    const sid = this.meta.sessionId;
    try {
      const ms = Math.round(this.ms());
      if (this.meta.kind === 'exec') this.writer?.append(encodeEvent(execEvent(this.meta, ms, exit)));
      this.writer?.append(encodeEvent(sessionEndEvent(this.meta, ms, this.joined)));
      await this.writer?.close();
      await markEnded(this.dir);
    } catch (err) {
      this.log.warn({ session_id: sid, err: (err as Error).message }, 'session recording spool failed; uploading what was written');
    } finally {
      this.rec.release(sid);
      if (this.uploader) this.rec.finishLater(sid, this.uploader);
    }
  }

  async discard(): Promise<void> {
    if (this.done) return;
    this.done = true;
    clearInterval(this.syncTimer);
    try {
      await this.writer?.close();
    } catch {
      // Being removed anyway.
    }
    await this.rec.enqueue(this.meta.sessionId, () => removeSpool(this.dir));
    this.rec.release(this.meta.sessionId);
  }
}
