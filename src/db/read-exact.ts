/** Reading an exact number of bytes from the front of a stream, bounded in time. */
import type { Readable } from 'node:stream';
import { ConnectionProblemError } from '../api/errors.js';

/**
 * Resolves with the next `n` bytes of `stream` (left paused, the rest unread). Rejects with
 * ConnectionProblemError when it ends first or `timeoutMs` passes.
 */
export function readExact(stream: Readable, n: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      stream.off('readable', tryRead);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
    };
    const tryRead = () => {
      const b = stream.read(n) as Buffer | null;
      if (b === null) return;
      cleanup();
      if (b.length < n) reject(new ConnectionProblemError(`the stream ended after ${b.length} of ${n} bytes`));
      else resolve(b);
    };
    const onEnd = () => {
      cleanup();
      reject(new ConnectionProblemError('the stream ended'));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new ConnectionProblemError(`no data within ${timeoutMs} ms`));
    }, timeoutMs);
    stream.on('readable', tryRead);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    tryRead();
  });
}
