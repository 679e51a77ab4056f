/**
 * SFTP files as streams with many requests in flight, as OpenSSH's sftp does (2 MiB: 64 requests
 * of 32 KiB by default): ssh2's own streams keep one READ or WRITE outstanding, so every 64 KiB
 * waited a full round trip through the proxy and the node. Reads may be answered out of order and
 * short; the reader hands the bytes on in file order. Internal to this folder.
 */
import { Readable, Writable } from 'node:stream';
import type { InputAttributes, SFTPWrapper } from 'ssh2';

/** Bytes in flight per file: what OpenSSH's sftp keeps (`-R 64` requests of `-B 32768`). */
export const IN_FLIGHT_BYTES = 2 * 1024 * 1024;

/**
 * Bytes per READ or WRITE. Larger than OpenSSH's 32 KiB because each request costs JavaScript
 * more than it costs C (measured: a quarter less CPU per byte on both ends at 128 KiB); OpenSSH's
 * sftp-server takes up to 255 KiB, and `sftpRequestSize` keeps within what a server announces.
 */
export const REQUEST_SIZE = 128 * 1024;

/** Requests in flight per file at the default size. */
export const MAX_REQUESTS = IN_FLIGHT_BYTES / REQUEST_SIZE;

/**
 * The request size for `sftp`: REQUEST_SIZE or less when the server's limits (limits@openssh.com,
 * which ssh2 asks for before the session is ready) say so; ssh2 would otherwise split each request
 * into sequential ones.
 */
export function sftpRequestSize(sftp: SFTPWrapper, kind: 'read' | 'write'): number {
  const limits = sftp as unknown as { _maxReadLen?: number; _maxWriteLen?: number };
  const max = kind === 'read' ? limits._maxReadLen : limits._maxWriteLen;
  return typeof max === 'number' && max > 0 ? Math.min(REQUEST_SIZE, max) : REQUEST_SIZE;
}

/** Tuning of one stream (the defaults are OpenSSH's), and what its errors become. */
export interface PipelineOptions {
  requestSize?: number;
  maxRequests?: number;
  /** Maps ssh2's errors (an SFTP status in `code`) before the stream emits them. */
  mapError?: (err: Error) => Error;
}

type Handle = Buffer;

function openFile(sftp: SFTPWrapper, path: string, flags: 'r' | 'w', attrs: InputAttributes): Promise<Handle> {
  return new Promise((resolve, reject) => sftp.open(path, flags, attrs, (err, handle) => (err ? reject(err) : resolve(handle))));
}

function closeFile(sftp: SFTPWrapper, handle: Handle): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      sftp.close(handle, (err) => (err ? reject(err) : resolve()));
    } catch (err) {
      // ssh2 throws synchronously once the channel is gone.
      reject(err as Error);
    }
  });
}

/**
 * A file read with up to `maxRequests` READs in flight. `sizeHint` (the size a stat reported)
 * keeps a small file from asking past its end more than once; reading goes on past it until the
 * server says EOF, so a file that grew is read whole. `error` events carry ssh2's errors.
 */
export class SFTPFileReader extends Readable {
  private handle: Handle | undefined;
  private readonly requestSize: number;
  private readonly maxRequests: number;
  /** Where the next READ starts. */
  private nextOffset = 0;
  /** Where the bytes handed on so far end. */
  private pushedTo = 0;
  /** Where the file ends, once a READ met EOF there. */
  private eofAt = Infinity;
  /** Requests past this offset wait until the bytes before it arrived (the size hint). */
  private expectedEnd: number;
  private inFlight = 0;
  /** Chunks that arrived ahead of `pushedTo`, by offset. */
  private readonly arrived = new Map<number, Buffer>();
  /** Short reads still to fill: [offset, length]. Asked before anything new. */
  private readonly gaps: [number, number][] = [];
  private wantMore = false;
  private readonly mapError: (err: Error) => Error;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly path: string,
    opts: PipelineOptions & { sizeHint?: number } = {},
  ) {
    super({ highWaterMark: 4 * REQUEST_SIZE });
    this.requestSize = opts.requestSize ?? sftpRequestSize(sftp, 'read');
    this.maxRequests = opts.maxRequests ?? Math.ceil(IN_FLIGHT_BYTES / this.requestSize);
    this.expectedEnd = opts.sizeHint ?? Infinity;
    this.mapError = opts.mapError ?? ((err) => err);
  }

  override _construct(callback: (err?: Error | null) => void): void {
    openFile(this.sftp, this.path, 'r', {}).then(
      (h) => {
        this.handle = h;
        callback();
      },
      (err: Error) => callback(this.mapError(err)),
    );
  }

  override _read(): void {
    this.wantMore = true;
    this.fill();
  }

  /** Issue READs while there is room: gaps first, then onwards from `nextOffset`. */
  private fill(): void {
    const handle = this.handle;
    if (!handle || this.destroyed) return;
    while (this.wantMore && this.inFlight < this.maxRequests) {
      const gap = this.gaps.shift();
      if (gap) {
        this.request(handle, gap[0], gap[1]);
        continue;
      }
      // Past EOF, or past the expected end with a request already asking there.
      if (this.nextOffset >= this.eofAt || this.nextOffset > this.expectedEnd) break;
      const len = this.nextOffset >= this.expectedEnd ? this.requestSize : Math.min(this.requestSize, this.expectedEnd - this.nextOffset);
      this.request(handle, this.nextOffset, len);
      this.nextOffset += len;
    }
    this.finishIfDone();
  }

  private request(handle: Handle, offset: number, len: number): void {
    this.inFlight++;
    const buf = Buffer.allocUnsafe(len);
    try {
      this.sftp.read(handle, buf, 0, len, offset, (err, n) => this.onRead(offset, len, buf, err, n));
    } catch (err) {
      this.inFlight--;
      this.destroy(this.mapError(err as Error));
    }
  }

  private onRead(offset: number, len: number, buf: Buffer, err: Error | undefined, n: number): void {
    this.inFlight--;
    if (this.destroyed) return;
    if (err) return void this.destroy(this.mapError(err));
    if (n === 0) {
      this.eofAt = Math.min(this.eofAt, offset);
    } else {
      this.arrived.set(offset, n === len ? buf : buf.subarray(0, n));
      // Bytes past the hint: the file is longer than its stat said, read on as if unknown.
      if (offset + n > this.expectedEnd) this.expectedEnd = Infinity;
      // A short read is not EOF by itself: ask for the rest (the reply to that says EOF if it is).
      if (n < len) this.gaps.push([offset + n, len - n]);
    }
    this.handOn();
    this.fill();
  }

  /** Push the chunks that continue where the last one ended. */
  private handOn(): void {
    for (let chunk = this.arrived.get(this.pushedTo); chunk; chunk = this.arrived.get(this.pushedTo)) {
      this.arrived.delete(this.pushedTo);
      this.pushedTo += chunk.length;
      if (!this.push(chunk)) this.wantMore = false;
    }
  }

  /** Ends the stream once EOF was met where the bytes handed on end and nothing is in flight. */
  private finishIfDone(): void {
    // Chunks past `eofAt` can only come from a file that grew while it was read: not ours to send.
    if (this.inFlight === 0 && this.gaps.length === 0 && this.pushedTo >= this.eofAt && !this.readableEnded) this.push(null);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return callback(err);
    closeFile(this.sftp, handle).then(
      () => callback(err),
      (closeErr: Error) => callback(err ?? closeErr),
    );
  }
}

/** What a writer sets on the file besides its bytes. */
export interface WriterAttrs {
  /** Set with fchmod right after the open (the open's mode is subject to the server's umask). */
  mode?: number;
  /** Seconds since the epoch; set (fsetstat) after the last byte, before the close. */
  atime?: number;
  mtime?: number;
}

/**
 * A file created or truncated, written with up to `maxRequests` WRITEs in flight. `finish` comes
 * once every WRITE was acknowledged, the times were set and the server closed the file; the first
 * failure is the stream's error.
 */
export class SFTPFileWriter extends Writable {
  private handle: Handle | undefined;
  private readonly requestSize: number;
  private readonly maxRequests: number;
  private offset = 0;
  private inFlight = 0;
  private failure: Error | undefined;
  /** A `_write` callback held until a slot is free. */
  private blocked: (() => void) | undefined;
  /** Resolves `_final` once nothing is in flight. */
  private idle: (() => void) | undefined;
  private chmodDone: Promise<void> = Promise.resolve();
  private readonly mapError: (err: Error) => Error;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly path: string,
    private readonly attrs: WriterAttrs = {},
    opts: PipelineOptions = {},
  ) {
    super({ highWaterMark: 4 * REQUEST_SIZE });
    this.requestSize = opts.requestSize ?? sftpRequestSize(sftp, 'write');
    this.maxRequests = opts.maxRequests ?? Math.ceil(IN_FLIGHT_BYTES / this.requestSize);
    this.mapError = opts.mapError ?? ((err) => err);
  }

  override _construct(callback: (err?: Error | null) => void): void {
    const mode = this.attrs.mode;
    openFile(this.sftp, this.path, 'w', mode === undefined ? {} : { mode }).then(
      (h) => {
        this.handle = h;
        // In flight with the first WRITEs; a server without fchmod gets a chmod by path (as ssh2 does).
        if (mode !== undefined) {
          this.chmodDone = new Promise<void>((resolve) =>
            this.sftp.fchmod(h, mode, (err) => (err ? this.sftp.chmod(this.path, mode, () => resolve()) : resolve())),
          );
        }
        callback();
      },
      (err: Error) => callback(this.mapError(err)),
    );
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.failure) return callback(this.failure);
    const handle = this.handle!;
    for (let p = 0; p < chunk.length; p += this.requestSize) {
      const piece = chunk.subarray(p, Math.min(chunk.length, p + this.requestSize));
      const at = this.offset;
      this.offset += piece.length;
      this.inFlight++;
      try {
        this.sftp.write(handle, piece, 0, piece.length, at, (err) => this.onWritten(err));
      } catch (err) {
        this.inFlight--;
        this.failure ??= this.mapError(err as Error);
        return callback(this.failure);
      }
    }
    // Take the next chunk at once while there is room; otherwise when a WRITE is acknowledged.
    if (this.inFlight < this.maxRequests) return callback();
    this.blocked = () => callback(this.failure);
  }

  private onWritten(err: Error | null | undefined): void {
    this.inFlight--;
    if (err) this.failure ??= this.mapError(err);
    if (this.blocked && (this.inFlight < this.maxRequests || this.failure)) {
      const resume = this.blocked;
      this.blocked = undefined;
      resume();
    }
    if (this.inFlight === 0) this.idle?.();
  }

  override _final(callback: (err?: Error | null) => void): void {
    const drained = this.inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.idle = resolve));
    void drained
      .then(() => this.chmodDone)
      .then(async () => {
        if (this.failure) throw this.failure;
        const { atime, mtime } = this.attrs;
        const handle = this.handle!;
        if (atime !== undefined && mtime !== undefined) {
          await new Promise<void>((resolve, reject) => this.sftp.futimes(handle, atime, mtime, (err) => (err ? reject(err) : resolve())));
        }
        this.handle = undefined;
        await closeFile(this.sftp, handle);
      })
      .then(
        () => callback(),
        (err: Error) => callback(err === this.failure ? err : this.mapError(err)),
      );
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return callback(err);
    // Failed or abandoned before the end: close what is open, report the first error.
    closeFile(this.sftp, handle).then(
      () => callback(err),
      () => callback(err),
    );
  }
}
