/**
 * An incremental reader of RFC 6455 frames, one direction of an upgraded connection: the client's
 * frames are masked, the server's are not. Payloads are handed out piece by piece as they arrive
 * (a 3 MB stdout frame is never buffered whole), with the message they belong to, so a channel
 * demultiplexer can follow `v4.channel.k8s.io` / `v5.channel.k8s.io` messages without copies beyond
 * unmasking. Pure: it reads copies of what the relay forwards and never writes.
 */

/** A piece of a data message's payload (text or binary; control frames are skipped). */
export interface FramePiece {
  /** 1 text, 2 binary: the opcode of the message (continuation frames keep their message's). */
  opcode: number;
  data: Buffer;
  /** The first piece of a new message (its first byte is the channel in the k8s channel protocols). */
  start: boolean;
  /** The last piece of the message. */
  end: boolean;
}

/** Why reading stopped. */
export class FrameError extends Error {}

const OP_CONTINUATION = 0;
const OP_TEXT = 1;
const OP_BINARY = 2;
const OP_CLOSE = 8;

/** Reads frames of one direction; `push` returns the data-message pieces the chunk completes. */
export class WebSocketFrameReader {
  private head = Buffer.alloc(0);
  private remaining = 0;
  private mask: Buffer | undefined;
  private maskOffset = 0;
  private inFrame = false;
  private frameFin = false;
  private frameOpcode = 0;
  private messageOpcode = 0;
  private messageStarted = false;
  private closed = false;

  /** Reads `chunk`; throws FrameError on a frame no peer may send (the caller stops reading). */
  push(chunk: Buffer): FramePiece[] {
    const out: FramePiece[] = [];
    let buf = chunk;
    while (buf.length > 0 && !this.closed) {
      if (!this.inFrame) {
        buf = this.readHead(buf);
        if (!this.inFrame) break;
        if (this.remaining === 0) this.payload(Buffer.alloc(0), out);
        continue;
      }
      const n = Math.min(this.remaining, buf.length);
      this.payload(buf.subarray(0, n), out);
      buf = buf.subarray(n);
    }
    return out;
  }

  /** Consumes a frame header from `head` + `buf`; returns what follows it. */
  private readHead(buf: Buffer): Buffer {
    const b = this.head.length > 0 ? Buffer.concat([this.head, buf]) : buf;
    if (b.length < 2) {
      this.head = Buffer.from(b);
      return Buffer.alloc(0);
    }
    const fin = (b[0]! & 0x80) !== 0;
    const opcode = b[0]! & 0x0f;
    if ((b[0]! & 0x70) !== 0) throw new FrameError('compressed or extended websocket frames are not read');
    const masked = (b[1]! & 0x80) !== 0;
    let len = b[1]! & 0x7f;
    let at = 2;
    if (len === 126) at += 2;
    else if (len === 127) at += 8;
    if (masked) at += 4;
    if (b.length < at) {
      this.head = Buffer.from(b);
      return Buffer.alloc(0);
    }
    if (len === 126) len = b.readUInt16BE(2);
    else if (len === 127) {
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new FrameError('websocket frame too large');
      len = Number(big);
    }
    this.mask = masked ? Buffer.from(b.subarray(at - 4, at)) : undefined;
    this.maskOffset = 0;
    this.remaining = len;
    this.frameFin = fin;
    this.frameOpcode = opcode;
    this.inFrame = true;
    this.head = Buffer.alloc(0);
    if (opcode >= 8) {
      if (!fin || len > 125) throw new FrameError('malformed websocket control frame');
    } else if (opcode === OP_CONTINUATION) {
      if (!this.messageStarted) throw new FrameError('websocket continuation frame without a message');
    } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (this.messageStarted) throw new FrameError('websocket message interleaved with another');
      this.messageOpcode = opcode;
    } else {
      throw new FrameError(`unknown websocket opcode ${opcode}`);
    }
    return b.subarray(at);
  }

  private payload(piece: Buffer, out: FramePiece[]): void {
    this.remaining -= piece.length;
    const last = this.remaining === 0;
    let data = piece;
    if (this.mask && piece.length > 0) {
      data = Buffer.allocUnsafe(piece.length);
      for (let i = 0; i < piece.length; i++) data[i] = piece[i]! ^ this.mask[(this.maskOffset + i) & 3]!;
      this.maskOffset = (this.maskOffset + piece.length) & 3;
    }
    if (last) this.inFrame = false;
    if (this.frameOpcode >= 8) {
      if (last && this.frameOpcode === OP_CLOSE) this.closed = true;
      return;
    }
    const start = !this.messageStarted;
    this.messageStarted = true;
    const end = last && this.frameFin;
    if (end) this.messageStarted = false;
    if (data.length > 0 || start || end) out.push({ opcode: this.messageOpcode, data, start, end });
  }
}
