/**
 * SSH wire encoding (RFC 4251 section 5): the writer builds buffers, the reader consumes untrusted
 * bytes and throws BadParameterError on anything truncated or oversized, never a RangeError.
 */
import { BadParameterError } from '../api/errors.js';

const UINT64_MAX = 0xffff_ffff_ffff_ffffn;
const MAX_MPINT_BYTES = 16384 / 8;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Builds an SSH wire buffer; every method returns `this` so calls chain. */
export class SSHWriter {
  private readonly parts: Buffer[] = [];

  /** Append one byte. */
  byte(v: number): this {
    this.parts.push(Buffer.from([v & 0xff]));
    return this;
  }

  /** Append a boolean as one byte (0 or 1). */
  bool(v: boolean): this {
    return this.byte(v ? 1 : 0);
  }

  /** Append a big-endian uint32; throws BadParameterError outside 0..2^32-1. */
  uint32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) {
      throw new BadParameterError(`uint32 out of range: ${v}`);
    }
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.parts.push(b);
    return this;
  }

  /** Append a big-endian uint64; throws BadParameterError outside 0..2^64-1. */
  uint64(v: bigint): this {
    if (v < 0n || v > UINT64_MAX) throw new BadParameterError(`uint64 out of range: ${v}`);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    this.parts.push(b);
    return this;
  }

  /** Append a length-prefixed string (bytes, or UTF-8 text). */
  string(v: Buffer | Uint8Array | string): this {
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
    this.uint32(b.length);
    this.parts.push(b);
    return this;
  }

  /** Append an mpint from unsigned big-endian magnitude bytes (or a non-negative bigint). */
  mpint(v: Buffer | bigint): this {
    return this.string(encodeMpint(v));
  }

  /** Append a name-list (comma-joined string); names must be non-empty and comma-free. */
  nameList(names: readonly string[]): this {
    for (const n of names) {
      if (n.length === 0 || n.includes(',')) throw new BadParameterError(`bad name in name-list: "${n}"`);
    }
    return this.string(names.join(','));
  }

  /** Append raw bytes with no length prefix. */
  raw(v: Buffer | Uint8Array): this {
    this.parts.push(Buffer.from(v));
    return this;
  }

  /** The bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Reads SSH wire values from untrusted bytes; every read throws BadParameterError when short. */
export class SSHReader {
  private off = 0;

  /** `what` names the structure being read, for error messages ("certificate", "signature"). */
  constructor(
    private readonly buf: Buffer,
    private readonly what = 'SSH data',
  ) {}

  /** Bytes not yet consumed. */
  get remaining(): number {
    return this.buf.length - this.off;
  }

  /** Current read offset from the start of the buffer. */
  get offset(): number {
    return this.off;
  }

  private need(n: number, field: string): void {
    if (n > this.remaining) {
      throw new BadParameterError(`${this.what} truncated reading ${field}: need ${n} bytes, have ${this.remaining}`);
    }
  }

  /** Read one byte. */
  byte(field = 'byte'): number {
    this.need(1, field);
    return this.buf[this.off++];
  }

  /** Read a boolean byte (any non-zero is true, as RFC 4251 says). */
  bool(field = 'boolean'): boolean {
    return this.byte(field) !== 0;
  }

  /** Read a big-endian uint32. */
  uint32(field = 'uint32'): number {
    this.need(4, field);
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }

  /** Read a big-endian uint64 as a bigint. */
  uint64(field = 'uint64'): bigint {
    this.need(8, field);
    const v = this.buf.readBigUInt64BE(this.off);
    this.off += 8;
    return v;
  }

  /** Read a length-prefixed byte string (a view into the input, not a copy). */
  string(field = 'string'): Buffer {
    const len = this.uint32(`${field} length`);
    this.need(len, field);
    const v = this.buf.subarray(this.off, this.off + len);
    this.off += len;
    return v;
  }

  /** Read a length-prefixed string that must be valid UTF-8. */
  text(field = 'string'): string {
    const b = this.string(field);
    try {
      return utf8.decode(b);
    } catch (cause) {
      throw new BadParameterError(`${this.what}: ${field} is not valid UTF-8`, { cause });
    }
  }

  /**
   * Read an mpint and return its unsigned magnitude without leading zeros. Negative values and
   * values over 16384 bits are refused; extra leading zeros are tolerated, as OpenSSH does.
   */
  mpint(field = 'mpint'): Buffer {
    const b = this.string(field);
    if (b.length > 0 && b[0] & 0x80) throw new BadParameterError(`${this.what}: ${field} is negative`);
    let i = 0;
    while (i < b.length && b[i] === 0) i++;
    if (b.length - i > MAX_MPINT_BYTES) throw new BadParameterError(`${this.what}: ${field} is too large`);
    return b.subarray(i);
  }

  /** Read a name-list; an empty string is an empty list. */
  nameList(field = 'name-list'): string[] {
    const s = this.text(field);
    if (s === '') return [];
    const names = s.split(',');
    if (names.some((n) => n === '')) throw new BadParameterError(`${this.what}: ${field} has an empty name`);
    return names;
  }

  /** Read the rest of the buffer. */
  rest(): Buffer {
    const v = this.buf.subarray(this.off);
    this.off = this.buf.length;
    return v;
  }

  /** Throw BadParameterError unless every byte was consumed. */
  end(): void {
    if (this.remaining !== 0) {
      throw new BadParameterError(`${this.what} has ${this.remaining} unexpected trailing bytes`);
    }
  }
}

/** Encode an unsigned magnitude (or non-negative bigint) as mpint body bytes (no length prefix). */
export function encodeMpint(v: Buffer | bigint): Buffer {
  let mag: Buffer;
  if (typeof v === 'bigint') {
    if (v < 0n) throw new BadParameterError('negative mpint');
    const hex = v.toString(16);
    mag = v === 0n ? Buffer.alloc(0) : Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  } else {
    let i = 0;
    while (i < v.length && v[i] === 0) i++;
    mag = v.subarray(i);
  }
  return mag.length > 0 && mag[0] & 0x80 ? Buffer.concat([Buffer.from([0]), mag]) : Buffer.from(mag);
}

/** Left-pad unsigned magnitude bytes with zeros to `len`; throws BadParameterError if longer. */
export function padStart(mag: Buffer, len: number, field = 'value'): Buffer {
  let i = 0;
  while (i < mag.length && mag[i] === 0) i++;
  const v = mag.subarray(i);
  if (v.length > len) throw new BadParameterError(`${field} is longer than ${len} bytes`);
  return Buffer.concat([Buffer.alloc(len - v.length), v]);
}
