/**
 * Uploads one session's spool to the auth server in parts: each part is a record-aligned slice of
 * `events.log`, compressed and framed (part-codec.ts, off the main thread), sent with its part number, and
 * then recorded in the spool's checkpoint. Re-sending a part after a crash is harmless (a part
 * number's last upload wins). `finish` uploads the rest, completes the recording and removes the
 * spool; a torn or damaged tail (a crash mid-write) ends the recording at the last good record.
 */
import { open, stat } from 'node:fs/promises';
import type { CompleteRecordingRequest, RecordingConfig } from '../api/recording-wire.js';
import { isCode } from '../api/errors.js';
import { exists } from '../disk/index.js';
import type { Logger } from '../log/index.js';
import { scanRecords, walkRecords } from './record-format.js';
import { recordingSummary } from './session-events.js';
import { encodePartOffThread } from './spool-worker.js';
import { readCheckpoint, readMeta, removeSpool, spoolFiles, writeCheckpoint, type UploadCheckpoint } from './spool.js';

/** Where recordings go: the auth API as the node sees it (AuthClient implements it). */
export interface RecordingUploadTarget {
  /** Stores part `part` (1-based) of session `sid`'s recording (the buffers in order); AlreadyExistsError once it is complete. */
  uploadRecordingPart(sid: string, part: number, data: Buffer | Buffer[]): Promise<void>;
  /** Assembles parts 1..parts; AlreadyExistsError when it was already completed. */
  completeRecording(sid: string, req: CompleteRecordingRequest): Promise<void>;
  /** The cluster's recording mode. */
  recordingConfig(): Promise<RecordingConfig>;
}

/** Default part size: S3's minimum multipart part, as Teleport's. */
export const DEFAULT_PART_SIZE = 5 * 1024 * 1024;

/** What `finish` did. */
export type FinishResult = 'completed' | 'already-complete' | 'empty';

/** The uploader of one spool directory. Calls must not overlap (the recorder serializes them). */
export class SpoolUploader {
  private cp: UploadCheckpoint | undefined;
  /** One read buffer for every part (big buffers cost garbage-collection time); lent to the part encoder while it compresses. */
  private buf: Buffer | undefined;

  constructor(
    private readonly dir: string,
    private readonly sid: string,
    private readonly target: RecordingUploadTarget,
    private readonly opts: { partSize: number; logger: Logger },
  ) {}

  /** Log offset the auth server has everything before. */
  get uploadedOffset(): number {
    return this.cp?.offset ?? 0;
  }

  /**
   * Uploads parts of the log up to `end` (a record boundary the writer reported). Only slices of at
   * least `minPart` bytes go while the session runs. Throws AlreadyExistsError when the recording is
   * already complete on the auth server, and the transport's errors.
   */
  async upload(end: number, minPart: number): Promise<void> {
    await this.uploadRange(end, minPart, false);
  }

  /**
   * Uploads everything left, completes the recording and removes the spool. `ended` says whether the
   * session ended normally. Throws when the auth server cannot be reached (the spool stays for a retry).
   */
  async finish(): Promise<FinishResult> {
    const files = spoolFiles(this.dir);
    let size = 0;
    try {
      size = (await stat(files.log)).size;
    } catch {
      // No log: nothing was recorded.
    }
    try {
      await this.uploadRange(size, 1, true);
      const cp = this.cp!;
      if (cp.part === 1) {
        await removeSpool(this.dir);
        return 'empty';
      }
      const meta = await readMeta(this.dir);
      if (!meta) {
        this.opts.logger.error({ session_id: this.sid }, 'spooled recording has no readable meta.json; it is removed unfinished');
        await removeSpool(this.dir);
        return 'empty';
      }
      const ended = await exists(files.ended);
      await this.target.completeRecording(this.sid, { parts: cp.part - 1, summary: recordingSummary(meta, cp.lastMs, !ended) });
    } catch (err) {
      if (!isCode(err, 'already_exists')) throw err;
      await removeSpool(this.dir);
      return 'already-complete';
    }
    await removeSpool(this.dir);
    return 'completed';
  }

  private async uploadRange(end: number, minPart: number, final: boolean): Promise<void> {
    let cp = (this.cp ??= await readCheckpoint(this.dir));
    if (cp.offset >= end) return;
    const fh = await open(spoolFiles(this.dir).log, 'r');
    try {
      while (cp.offset < end) {
        const want = Math.min(this.opts.partSize, end - cp.offset);
        if (want < minPart) break;
        const buf = (this.buf ??= Buffer.allocUnsafeSlow(this.opts.partSize));
        let got = 0;
        while (got < want) {
          const { bytesRead } = await fh.read(buf, got, want - got, cp.offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        const slice = buf.subarray(0, got);
        // While the session runs its spool is sound: record lengths suffice. After a crash, checksums decide.
        const scan = final ? scanRecords(slice) : walkRecords(slice);
        const atEnd = cp.offset + got >= end;
        if (scan.stop === 'corrupt' || (scan.stop === 'short' && atEnd)) {
          if (!final) throw new Error(`the spool of session ${this.sid} is damaged at offset ${cp.offset + scan.validEnd}`);
          this.opts.logger.warn({ session_id: this.sid, offset: cp.offset + scan.validEnd, reason: scan.stop }, 'spooled recording ends in a damaged record; it ends at the last good one');
          end = cp.offset + scan.validEnd;
        }
        if (scan.validEnd === 0) break;
        // The buffer goes to the encoder's thread and back: unusable meanwhile.
        this.buf = undefined;
        const encoded = await encodePartOffThread(buf.buffer as ArrayBuffer, scan.validEnd);
        this.buf = Buffer.from(encoded.buf);
        await this.target.uploadRecordingPart(this.sid, cp.part, encoded.part);
        cp = { part: cp.part + 1, offset: cp.offset + scan.validEnd, lastMs: scan.lastMs ?? cp.lastMs };
        await writeCheckpoint(this.dir, cp);
        this.cp = cp;
      }
    } finally {
      await fh.close();
    }
  }
}
