/**
 * What the auth API needs beyond JSON bodies: raw request bodies (recording parts) and streamed
 * responses (recording playback). A streamed response is written at the pace the client reads it;
 * an error before the first chunk is an ordinary JSON error response, one after it ends the stream
 * with a last line `{"error":{"code","message"}}` (the status line has already gone out).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TeleportError, errorCode, LimitExceededError } from '../api/errors.js';

/** A route's streamed result: chunks written as they come, with this content type. */
export class StreamBody {
  constructor(
    readonly contentType: string,
    readonly chunks: AsyncIterable<Buffer>,
  ) {}
}

/** Reads a raw body of at most `maxBytes`. LimitExceededError beyond. */
export async function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) throw new LimitExceededError(`request body is larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new LimitExceededError(`request body is larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
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
