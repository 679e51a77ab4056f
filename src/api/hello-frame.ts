/**
 * The hello a proxy sends first on every stream it opens to an agent (database, application,
 * Kubernetes): a 4-byte big-endian length, then that many bytes of JSON. One framing for every
 * protocol; each protocol's wire file names its hello, its size limit and its shape check.
 */
import type { Duplex } from 'node:stream';
import { BadParameterError } from './errors.js';

/** One protocol's hello. */
export interface HelloFormat<T> {
  /** How messages name it (`database hello`). */
  what: string;
  maxBytes: number;
  /** Checks a decoded hello's shape; throws BadParameterError naming the field. */
  check(x: unknown): T;
}

/** How long a hello may take to arrive. */
export const HELLO_TIMEOUT_MS = 15_000;

/** The hello as bytes. Throws BadParameterError past the format's limit. */
export function encodeHelloFrame<T>(f: HelloFormat<T>, h: T): Buffer {
  const body = Buffer.from(JSON.stringify(h), 'utf8');
  if (body.length > f.maxBytes) throw new BadParameterError(`${f.what} of ${body.length} bytes is over ${f.maxBytes}`);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/**
 * Reads the hello from the front of `stream`; the bytes after it are put back and the stream is
 * left paused. Rejects with BadParameterError for a malformed, oversized, cut or late hello.
 */
export function readHelloFrame<T>(stream: Duplex, f: HelloFormat<T>, timeoutMs = HELLO_TIMEOUT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => done(new BadParameterError(`no ${f.what} from the proxy in time`)), timeoutMs);
    const done = (err?: Error, hello?: T, rest?: Buffer) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.pause();
      if (err) return reject(err);
      if (rest && rest.length > 0) stream.unshift(rest);
      resolve(hello as T);
    };
    const onEnd = () => done(new BadParameterError(`the stream ended before the ${f.what}`));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const len = buf.readUInt32BE(0);
      if (len > f.maxBytes) return done(new BadParameterError(`${f.what} of ${len} bytes is too large`));
      if (buf.length < 4 + len) return;
      try {
        done(undefined, f.check(JSON.parse(buf.subarray(4, 4 + len).toString('utf8'))), buf.subarray(4 + len));
      } catch (err) {
        done(err instanceof BadParameterError ? err : new BadParameterError(`malformed ${f.what}: ${(err as Error).message}`));
      }
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}
