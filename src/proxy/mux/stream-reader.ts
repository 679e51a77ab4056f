/** Exact-length reads from a byte stream, each bounded by a deadline (for in-band handshakes). */
import type { Duplex } from 'node:stream';
import { ConnectionProblemError } from '../../api/errors.js';

/** The peer ended the connection before sending what was read for (health checks do this). */
export class PeerClosedError extends ConnectionProblemError {
  constructor() {
    super('the client closed the connection');
  }
}

/** Reads exactly n bytes at a time; `detach()` hands the stream back with what was read ahead. */
export class StreamReader {
  private buffered: Buffer[] = [];
  private length = 0;
  private waiting?: () => void;
  private ended = false;
  // Paused-mode reads ('readable' + read()): once the listener is removed the stream is back in
  // its initial state, so whoever takes it over next (an HTTP server, TLS, ssh2) starts it.
  private readonly onReadable = () => {
    for (let chunk = this.stream.read() as Buffer | null; chunk !== null; chunk = this.stream.read() as Buffer | null) {
      this.buffered.push(chunk);
      this.length += chunk.length;
    }
    this.waiting?.();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.waiting?.();
  };

  constructor(private readonly stream: Duplex) {
    stream.on('readable', this.onReadable);
    stream.once('end', this.onEnd);
    stream.once('close', this.onEnd);
  }

  /**
   * The next `n` bytes. ConnectionProblemError when the peer ends first or `deadlineMs` passes
   * (then the caller ends the connection).
   */
  async read(n: number, deadlineMs: number): Promise<Buffer> {
    if (this.length < n) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiting = undefined;
          reject(new ConnectionProblemError(`no data within ${deadlineMs} ms`));
        }, deadlineMs);
        this.waiting = () => {
          if (this.length < n && !this.ended) return;
          clearTimeout(timer);
          this.waiting = undefined;
          if (this.length < n) reject(new PeerClosedError());
          else resolve();
        };
      });
    }
    const all = Buffer.concat(this.buffered);
    this.buffered = all.length > n ? [all.subarray(n)] : [];
    this.length = all.length - n;
    return all.subarray(0, n);
  }

  /** Stops reading; returns the bytes received beyond what `read` returned (for `unshift`). */
  detach(): Buffer {
    this.stream.off('readable', this.onReadable);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    const rest = Buffer.concat(this.buffered);
    this.buffered = [];
    this.length = 0;
    return rest;
  }
}
