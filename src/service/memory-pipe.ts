/**
 * Two connected in-memory Duplex streams, for a connection between services of one process (the
 * proxy and its in-process node) without loopback TCP: what one end writes the other reads, with
 * backpressure, half-close (`end()` is EOF to the other end, which may go on writing) and close as
 * a TCP peer sees them (a destroyed end is EOF to the other, after what was already sent; writes
 * to a destroyed end fail with EPIPE).
 */
import { Duplex } from 'node:stream';

/** Bytes an end buffers for its reader before the writer waits. */
const HIGH_WATER = 256 * 1024;

class PipeEnd extends Duplex {
  other!: PipeEnd;
  /** The other end's write, waiting for this end's reader to want more. */
  private waiting: (() => void) | undefined;
  private eof = false;
  private peerGone = false;

  constructor() {
    super({ allowHalfOpen: true, readableHighWaterMark: HIGH_WATER, writableHighWaterMark: HIGH_WATER });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const other = this.other;
    if (this.peerGone || other.eof) {
      cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      return;
    }
    if (other.push(chunk)) cb();
    else other.waiting = cb;
  }

  override _read(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.other.end_();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const other = this.other;
    other.peerGone = true;
    other.end_();
    // A write that waited for this end's reader is let go (its bytes are lost, as unread bytes of a
    // closed socket); the writer's next one fails.
    this._read();
    cb(err);
  }

  /** EOF for this end's reader, once. */
  private end_(): void {
    if (this.eof || this.destroyed) return;
    this.eof = true;
    this.push(null);
  }
}

/** A connected pair: `[a, b]`, a's writes are b's reads and the other way round. */
export function memoryPipe(): [Duplex, Duplex] {
  const a = new PipeEnd();
  const b = new PipeEnd();
  a.other = b;
  b.other = a;
  return [a, b];
}
