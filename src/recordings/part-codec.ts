/**
 * How an uploaded part is compressed and framed, so that a stored recording (its parts
 * concatenated) can be read back part by part: `"TRP1"`, u32 LE compressed length, u32 LE raw
 * length, then the records compressed with brotli at quality 0 (its one-pass mode: measured here
 * at 3-10x the speed of gzip level 1 for a comparable size, and recording must not slow sessions).
 */
import { promisify } from 'node:util';
import { brotliCompress as brotliCompressCb, brotliDecompress as brotliDecompressCb, constants } from 'node:zlib';
import { BadParameterError } from '../api/errors.js';

const brotliCompress = promisify(brotliCompressCb);
const brotliDecompress = promisify(brotliDecompressCb);
/** A part's first bytes. */
export const PART_MAGIC = 'TRP1';
/** Bytes of a part's header: the magic, then the compressed and the raw length. */
export const PART_HEADER_BYTES = 12;
const MAGIC = Buffer.from(PART_MAGIC, 'latin1');
const HEADER = PART_HEADER_BYTES;
const CHUNK = 1024 * 1024;
/** No part is larger than this, raw or compressed; a bigger length means a damaged recording. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/**
 * Compresses `raw` (whole records) into one framed part, in libuv's pool: header and body, to send
 * in order. The node's uploader uses the recorder's worker (spool-worker.ts) instead.
 */
export async function encodePart(raw: Buffer): Promise<Buffer[]> {
  const body = await brotliCompress(raw, {
    // Large output chunks: fewer callbacks and buffers on the main thread.
    chunkSize: CHUNK,
    params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  const head = Buffer.allocUnsafe(HEADER);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(body.length, 4);
  head.writeUInt32LE(raw.length, 8);
  return [head, body];
}

/**
 * The raw record bytes of a stored recording, one part at a time, as its bytes stream in (memory:
 * one part, compressed and raw). Throws BadParameterError when a frame is damaged or cut short.
 */
export async function* decodeParts(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let have = 0;
  let need: { comp: number; raw: number } | undefined;
  const take = (n: number): Buffer => {
    const all = pending.length === 1 ? pending[0] : Buffer.concat(pending, have);
    pending = all.length > n ? [all.subarray(n)] : [];
    have = all.length - n;
    return all.subarray(0, n);
  };
  for await (const chunk of source) {
    pending.push(chunk);
    have += chunk.length;
    for (;;) {
      if (!need) {
        if (have < HEADER) break;
        const h = take(HEADER);
        if (!h.subarray(0, 4).equals(MAGIC)) throw new BadParameterError('the recording is corrupted (bad part header)');
        need = { comp: h.readUInt32LE(4), raw: h.readUInt32LE(8) };
        if (need.comp > MAX_FRAME_BYTES || need.raw > MAX_FRAME_BYTES) throw new BadParameterError('the recording is corrupted (part too large)');
      }
      if (have < need.comp) break;
      const body = take(need.comp);
      let raw: Buffer;
      try {
        raw = await brotliDecompress(body, { chunkSize: CHUNK });
      } catch (err) {
        throw new BadParameterError(`the recording is corrupted: ${(err as Error).message}`, { cause: err });
      }
      if (raw.length !== need.raw) throw new BadParameterError('the recording is corrupted (part length mismatch)');
      need = undefined;
      yield raw;
    }
  }
  if (need || have > 0) throw new BadParameterError('the recording ends inside a part');
}
