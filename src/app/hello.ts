/** Reading the proxy's hello (src/api/app-wire.ts) from the front of a stream the proxy opened. */
import type { Duplex } from 'node:stream';
import { MAX_APP_HELLO_BYTES, checkAppHello, type AppHello } from '../api/app-wire.js';
import { BadParameterError } from '../api/errors.js';

/** How long the hello may take to arrive. */
const HELLO_TIMEOUT_MS = 15_000;

/** Reads the hello; the bytes after it are put back. Rejects with BadParameterError for a bad or late hello. */
export function readAppHello(stream: Duplex, timeoutMs = HELLO_TIMEOUT_MS): Promise<AppHello> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => done(new BadParameterError('no app hello from the proxy in time')), timeoutMs);
    const done = (err?: Error, hello?: AppHello, rest?: Buffer) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.pause();
      if (err) return reject(err);
      if (rest && rest.length > 0) stream.unshift(rest);
      resolve(hello!);
    };
    const onEnd = () => done(new BadParameterError('the stream ended before the app hello'));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const len = buf.readUInt32BE(0);
      if (len > MAX_APP_HELLO_BYTES) return done(new BadParameterError(`app hello of ${len} bytes is too large`));
      if (buf.length < 4 + len) return;
      try {
        done(undefined, checkAppHello(JSON.parse(buf.subarray(4, 4 + len).toString('utf8'))), buf.subarray(4 + len));
      } catch (err) {
        done(err instanceof BadParameterError ? err : new BadParameterError(`malformed app hello: ${(err as Error).message}`));
      }
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}
