/**
 * Streamed responses (watch feeds, recording playback) of the auth API and the proxy's web API. A
 * streamed response is written at the pace the client reads it; an error before the first chunk is
 * an ordinary JSON error response, one after it ends the stream with a last line
 * `{"error":{"code","message"}}` (the status line has already gone out).
 */
import type { ServerResponse } from 'node:http';
import { TeleportError, errorCode } from '../api/errors.js';

/** A route's streamed result: chunks written as they come, with this content type. */
export class StreamBody {
  constructor(
    readonly contentType: string,
    readonly chunks: AsyncIterable<Buffer>,
  ) {}
}

/**
 * Writes `body` to `res`, waiting for the client to drain. Resolves when the stream ended or the
 * client went away (the source is then released); rejects only when the first chunk fails.
 */
export async function sendStream(res: ServerResponse, status: number, body: StreamBody, onError: (err: unknown) => void): Promise<void> {
  const it = body.chunks[Symbol.asyncIterator]();
  const first = await it.next();
  res.writeHead(status, { 'content-type': body.contentType, 'cache-control': 'no-store' });
  let gone = false;
  res.once('close', () => (gone = true));
  try {
    let r = first;
    while (!r.done && !gone) {
      if (!res.write(r.value)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
      if (gone) break;
      r = await it.next();
    }
  } catch (err) {
    onError(err);
    if (!gone) {
      const message = err instanceof TeleportError ? err.message : 'internal server error';
      res.write(JSON.stringify({ error: { code: errorCode(err), message } }) + '\n');
    }
  } finally {
    await it.return?.();
    res.end();
  }
}
