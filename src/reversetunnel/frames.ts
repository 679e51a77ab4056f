/**
 * Framing on tunnel channels: one length-prefixed JSON frame at the start of a transport channel
 * (read in paused mode, so the bytes after it stay in the stream for whoever reads next), and
 * newline-delimited JSON on the control channel.
 */
import type { Duplex, Readable } from 'node:stream';
import { BadParameterError, ConnectionProblemError } from '../api/errors.js';
import { MAX_MESSAGE_BYTES } from './protocol.js';

/** Writes `value` as a uint32 big-endian length and its JSON. */
export function writeFrame(stream: Duplex, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  stream.write(Buffer.concat([head, body]));
}

/**
 * Reads one frame and parses its JSON, leaving any later bytes unread in `stream`. Rejects with
 * BadParameterError for an oversized or malformed frame, ConnectionProblemError when the stream
 * ends first or `timeoutMs` passes.
 */
export function readFrame(stream: Readable, timeoutMs: number, maxBytes = MAX_MESSAGE_BYTES): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | undefined, value?: unknown, rest?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      if (rest && rest.length > 0) stream.unshift(rest);
      if (err) reject(err);
      else resolve(value);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = stream.read() as Buffer | null) !== null) {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        if (buf.length < 4) continue;
        const len = buf.readUInt32BE(0);
        if (len > maxBytes) return finish(new BadParameterError(`tunnel frame of ${len} bytes is over the ${maxBytes} byte limit`));
        if (buf.length < 4 + len) continue;
        let value: unknown;
        try {
          value = JSON.parse(buf.subarray(4, 4 + len).toString('utf8'));
        } catch (cause) {
          return finish(new BadParameterError('tunnel frame is not JSON', { cause }));
        }
        return finish(undefined, value, buf.subarray(4 + len));
      }
    };
    const onEnd = () => finish(new ConnectionProblemError('the tunnel channel closed before its first message'));
    const onError = (err: Error) => finish(new ConnectionProblemError(`tunnel channel failed: ${err.message}`, { cause: err }));
    const timer = setTimeout(() => finish(new ConnectionProblemError(`no answer on the tunnel channel within ${timeoutMs} ms`)), timeoutMs);
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
  });
}

/**
 * Splits `stream` into lines and hands each to `onLine`; a line over `maxBytes`, or `onLine`
 * throwing, calls `onError` once and stops reading. The stream's end is the caller's to watch.
 */
export function readLines(stream: Readable, onLine: (line: string) => void, onError: (err: Error) => void, maxBytes = MAX_MESSAGE_BYTES): void {
  let pending = '';
  let stopped = false;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    if (stopped) return;
    pending += chunk;
    let i: number;
    while ((i = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      if (line.trim() === '') continue;
      try {
        onLine(line);
      } catch (err) {
        stopped = true;
        onError(err as Error);
        return;
      }
    }
    if (Buffer.byteLength(pending) > maxBytes) {
      stopped = true;
      onError(new BadParameterError(`control message over the ${maxBytes} byte limit`));
    }
  });
}

/** Writes one control line. False when the stream is no longer writable. */
export function writeLine(stream: Duplex, value: unknown): boolean {
  if (stream.destroyed || stream.writableEnded) return false;
  stream.write(JSON.stringify(value) + '\n');
  return true;
}
