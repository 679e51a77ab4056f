/**
 * An incremental reader of SPDY/3 (and 3.1) frames, one direction of an upgraded connection, as
 * kubectl and the API server speak it for exec, attach and port-forward: control frames are read
 * whole (SYN_STREAM's header block inflated with the direction's shared zlib context), DATA frames
 * are handed out piece by piece as they arrive. Pure: it reads copies of what the relay forwards.
 */
import { constants, inflateSync } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';

/** What a chunk of one direction held. */
export type SpdyFrame =
  | { type: 'syn_stream'; streamId: number; fin: boolean; headers: Record<string, string> }
  | { type: 'data'; streamId: number; data: Buffer; fin: boolean }
  | { type: 'rst_stream'; streamId: number }
  | { type: 'goaway' };

/** Why reading stopped. */
export class SpdyFrameError extends Error {}

const FLAG_FIN = 0x01;
const TYPE_SYN_STREAM = 1;
const TYPE_RST_STREAM = 3;
const TYPE_GOAWAY = 7;
const TYPE_HEADERS = 8;
const TYPE_SYN_REPLY = 2;
/** Control frames are buffered whole; kubectl's are tens of bytes. */
const MAX_CONTROL = 1 << 20;
/** The compressed header blocks of one direction are kept to re-inflate (see `headerBlock`); past this, SYN_STREAMs are no longer read. */
const MAX_HEADER_HISTORY = 256 * 1024;

/** Reads frames of one direction; `push` returns the frames the chunk completes (DATA in pieces). */
export class SpdyFrameReader {
  private head = Buffer.alloc(0);
  private control: Buffer[] = [];
  private controlLen = 0;
  private frame: { control: boolean; type: number; streamId: number; flags: number; remaining: number } | undefined;
  /** Every compressed header block so far, and how many inflated bytes of them were already read. */
  private compressed: Buffer[] = [];
  private compressedLen = 0;
  private inflatedLen = 0;

  /** Reads `chunk`; throws SpdyFrameError on bytes that are not SPDY/3 (the caller stops reading). */
  push(chunk: Buffer): SpdyFrame[] {
    const out: SpdyFrame[] = [];
    let buf = chunk;
    while (buf.length > 0) {
      if (!this.frame) {
        const b = this.head.length > 0 ? Buffer.concat([this.head, buf]) : buf;
        if (b.length < 8) {
          this.head = Buffer.from(b);
          break;
        }
        this.head = Buffer.alloc(0);
        const control = (b[0]! & 0x80) !== 0;
        const flags = b[4]!;
        const length = b.readUIntBE(5, 3);
        if (control) {
          const version = b.readUInt16BE(0) & 0x7fff;
          if (version !== 3) throw new SpdyFrameError(`SPDY version ${version} is not read`);
          if (length > MAX_CONTROL) throw new SpdyFrameError('SPDY control frame too large');
          this.frame = { control, type: b.readUInt16BE(2), streamId: 0, flags, remaining: length };
        } else {
          this.frame = { control, type: 0, streamId: b.readUInt32BE(0) & 0x7fffffff, flags, remaining: length };
        }
        buf = b.subarray(8);
        if (length === 0) this.complete(Buffer.alloc(0), out);
        continue;
      }
      const n = Math.min(this.frame.remaining, buf.length);
      this.complete(buf.subarray(0, n), out);
      buf = buf.subarray(n);
    }
    return out;
  }

  private complete(piece: Buffer, out: SpdyFrame[]): void {
    const f = this.frame!;
    f.remaining -= piece.length;
    const last = f.remaining === 0;
    if (!f.control) {
      if (piece.length > 0 || last) out.push({ type: 'data', streamId: f.streamId, data: piece, fin: last && (f.flags & FLAG_FIN) !== 0 });
      if (last) this.frame = undefined;
      return;
    }
    if (piece.length > 0) {
      this.control.push(Buffer.from(piece));
      this.controlLen += piece.length;
    }
    if (!last) return;
    this.frame = undefined;
    const body = Buffer.concat(this.control, this.controlLen);
    this.control = [];
    this.controlLen = 0;
    this.controlFrame(f.type, f.flags, body, out);
  }

  private controlFrame(type: number, flags: number, body: Buffer, out: SpdyFrame[]): void {
    if (type === TYPE_SYN_STREAM) {
      if (body.length < 10) throw new SpdyFrameError('short SYN_STREAM');
      const streamId = body.readUInt32BE(0) & 0x7fffffff;
      const headers = this.headerBlock(body.subarray(10));
      out.push({ type: 'syn_stream', streamId, fin: (flags & FLAG_FIN) !== 0, headers: headers ?? {} });
    } else if (type === TYPE_SYN_REPLY || type === TYPE_HEADERS) {
      // Their blocks share the direction's zlib context, so they must be inflated too, in order.
      if (body.length >= 4) this.headerBlock(body.subarray(4));
    } else if (type === TYPE_RST_STREAM && body.length >= 4) {
      out.push({ type: 'rst_stream', streamId: body.readUInt32BE(0) & 0x7fffffff });
    } else if (type === TYPE_GOAWAY) {
      out.push({ type: 'goaway' });
    }
  }

  /**
   * Inflates a header block. The blocks of a direction form one zlib stream (each ends with a sync
   * flush), and node has no synchronous streaming inflate, so the whole history is inflated again and
   * the new tail read: header blocks are a few per exec, and the history is capped.
   */
  private headerBlock(block: Buffer): Record<string, string> | undefined {
    if (this.compressedLen + block.length > MAX_HEADER_HISTORY) return undefined;
    this.compressed.push(Buffer.from(block));
    this.compressedLen += block.length;
    let all: Buffer;
    try {
      all = inflateSync(Buffer.concat(this.compressed, this.compressedLen), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
    } catch (e) {
      throw new SpdyFrameError(`SPDY header block does not inflate: ${(e as Error).message}`);
    }
    const kv = all.subarray(this.inflatedLen);
    this.inflatedLen = all.length;
    return parseHeaderBlock(kv);
  }
}

/** A SPDY/3 name/value block: count, then length-prefixed names and values (values may hold several, NUL-separated). */
export function parseHeaderBlock(kv: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  if (kv.length < 4) throw new SpdyFrameError('short SPDY header block');
  const count = kv.readUInt32BE(0);
  let at = 4;
  const str = (): string => {
    if (at + 4 > kv.length) throw new SpdyFrameError('truncated SPDY header block');
    const len = kv.readUInt32BE(at);
    at += 4;
    if (at + len > kv.length) throw new SpdyFrameError('truncated SPDY header block');
    const s = kv.toString('latin1', at, at + len);
    at += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = str().toLowerCase();
    headers[name] = str();
  }
  return headers;
}
