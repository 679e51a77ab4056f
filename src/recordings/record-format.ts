/**
 * The framing of a recording's records, as the node spools them and the auth server stores them
 * (compressed part by part, part-codec.ts). Each record is
 * `[u32 LE payload length][u32 LE crc32 of payload][payload]`; the payload's first byte says what
 * it is: 1 = a JSON event (`session.start`, `resize`, `exec`, `session.end`), 2 = terminal output
 * `[f64 LE ms since start][bytes]`. A torn or corrupted tail (a crash mid-write, a power loss) is
 * told apart from a good record by its length and checksum.
 */
import { crc32 } from 'node:zlib';
import { BadParameterError } from '../api/errors.js';

/** Output chunks larger than this are split into several records. */
export const MAX_PRINT_BYTES = 64 * 1024;
/** No record payload is larger than this; a bigger length means corruption. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
const HEADER = 8;
/** An output record's payload before its bytes: the type and `ms`. */
const PRINT_HEAD = 9;
const TYPE_JSON = 1;
const TYPE_PRINT = 2;

/** A decoded record. */
export type RecordEntry = { type: 'event'; event: Record<string, unknown> } | { type: 'print'; ms: number; data: Buffer };

function frame(payloadParts: Buffer[]): Buffer[] {
  const len = payloadParts.reduce((n, b) => n + b.length, 0);
  let crc = 0;
  for (const p of payloadParts) crc = crc32(p, crc);
  const header = Buffer.allocUnsafe(HEADER);
  header.writeUInt32LE(len, 0);
  header.writeUInt32LE(crc, 4);
  return [header, ...payloadParts];
}

/** The buffers of one JSON event record (write them in order). */
export function encodeEvent(event: Record<string, unknown>): Buffer[] {
  return frame([Buffer.from([TYPE_JSON]), Buffer.from(JSON.stringify(event), 'utf8')]);
}

/** The buffers of output records for `data` at `ms` (split at MAX_PRINT_BYTES; `data` is not copied). */
export function encodePrint(ms: number, data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += MAX_PRINT_BYTES) {
    const head = Buffer.allocUnsafe(9);
    head[0] = TYPE_PRINT;
    head.writeDoubleLE(ms, 1);
    out.push(...frame([head, data.subarray(at, at + MAX_PRINT_BYTES)]));
  }
  return out;
}

/** Bytes of the records `encodePrint` makes for `n` bytes of output. */
export function printRecordsSize(n: number): number {
  return n + Math.ceil(n / MAX_PRINT_BYTES) * (HEADER + PRINT_HEAD);
}

/**
 * Writes the records of `encodePrint(ms, data)` into `out` at `at` (printRecordsSize(data.length)
 * bytes), their checksums left zero for the spool worker to fill in; returns where they end.
 */
export function writePrintRecords(out: Buffer, at: number, ms: number, data: Buffer): number {
  for (let from = 0; from < data.length; from += MAX_PRINT_BYTES) {
    const n = Math.min(MAX_PRINT_BYTES, data.length - from);
    out.writeUInt32LE(n + PRINT_HEAD, at);
    out.writeUInt32LE(0, at + 4);
    out[at + HEADER] = TYPE_PRINT;
    out.writeDoubleLE(ms, at + HEADER + 1);
    data.copy(out, at + HEADER + PRINT_HEAD, from, from + n);
    at += HEADER + PRINT_HEAD + n;
  }
  return at;
}

function decodePayload(p: Buffer): RecordEntry {
  if (p[0] === TYPE_JSON) {
    const event = JSON.parse(p.toString('utf8', 1)) as unknown;
    if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new BadParameterError('recording record is not a JSON object');
    return { type: 'event', event: event as Record<string, unknown> };
  }
  if (p[0] === TYPE_PRINT && p.length >= 9) return { type: 'print', ms: p.readDoubleLE(1), data: p.subarray(9) };
  throw new BadParameterError(`unknown recording record type ${p[0]}`);
}

/** Result of checking the next record at an offset. */
type Next = { kind: 'record'; end: number; payload: Buffer } | { kind: 'short' } | { kind: 'corrupt'; why: string };

function next(buf: Buffer, at: number): Next {
  if (buf.length - at < HEADER) return { kind: 'short' };
  const len = buf.readUInt32LE(at);
  if (len === 0 || len > MAX_PAYLOAD_BYTES) return { kind: 'corrupt', why: `record length ${len}` };
  if (buf.length - at - HEADER < len) return { kind: 'short' };
  const payload = buf.subarray(at + HEADER, at + HEADER + len);
  if (crc32(payload) !== buf.readUInt32LE(at + 4)) return { kind: 'corrupt', why: 'checksum mismatch' };
  return { kind: 'record', end: at + HEADER + len, payload };
}

/**
 * Incremental decoder: feed byte chunks in order, take the complete records. Throws
 * BadParameterError on a corrupted record; `finish()` throws when bytes of a partial record remain.
 */
export class RecordDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Records completed by `chunk`. */
  push(chunk: Buffer): RecordEntry[] {
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: RecordEntry[] = [];
    let at = 0;
    for (;;) {
      const n = next(buf, at);
      if (n.kind === 'short') break;
      if (n.kind === 'corrupt') throw new BadParameterError(`the recording is corrupted (${n.why})`);
      try {
        out.push(decodePayload(n.payload));
      } catch (err) {
        throw new BadParameterError(`the recording is corrupted (${(err as Error).message})`, { cause: err });
      }
      at = n.end;
    }
    // Copy the remainder so the caller's chunk is not kept alive by a small tail.
    this.pending = at === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
    return out;
  }

  /** Throws when the input ended inside a record. */
  finish(): void {
    if (this.pending.length > 0) throw new BadParameterError(`the recording ends inside a record (${this.pending.length} bytes left)`);
  }
}

/** What a scan of spooled bytes found: where the last good record ends, and the last event's time. */
export interface ScanResult {
  /** Offset just past the last intact record (relative to the scanned buffer). */
  validEnd: number;
  /** Records found. */
  records: number;
  /** `ms` of the last output record, or of the last event carrying `ms`; undefined when none. */
  lastMs?: number;
  /** Why the scan stopped: the buffer ended at a record boundary, inside a record, or at a damaged record. */
  stop: 'end' | 'short' | 'corrupt';
}

/** Scan `buf` from its start, stopping at the first torn or corrupted record (no throw). */
export function scanRecords(buf: Buffer): ScanResult {
  let at = 0;
  let records = 0;
  let lastMs: number | undefined;
  let stop: ScanResult['stop'] = 'end';
  for (;;) {
    const n = next(buf, at);
    if (n.kind !== 'record') {
      stop = n.kind === 'corrupt' ? 'corrupt' : at === buf.length ? 'end' : 'short';
      break;
    }
    let entry: RecordEntry;
    try {
      entry = decodePayload(n.payload);
    } catch {
      stop = 'corrupt';
      break;
    }
    if (entry.type === 'print') lastMs = entry.ms;
    else if (typeof entry.event.ms === 'number') lastMs = entry.event.ms;
    at = n.end;
    records++;
  }
  return { validEnd: at, records, stop, ...(lastMs !== undefined && { lastMs }) };
}

/**
 * scanRecords without checksums or JSON parsing, for slices of a spool this process is writing
 * (it cannot be damaged): where whole records end, and the `ms` of the last output record.
 */
export function walkRecords(buf: Buffer): ScanResult {
  let at = 0;
  let records = 0;
  let lastMs: number | undefined;
  while (buf.length - at >= HEADER) {
    const len = buf.readUInt32LE(at);
    if (len === 0 || len > MAX_PAYLOAD_BYTES) return { validEnd: at, records, stop: 'corrupt', ...(lastMs !== undefined && { lastMs }) };
    if (buf.length - at - HEADER < len) break;
    if (buf[at + HEADER] === TYPE_PRINT && len >= 9) lastMs = buf.readDoubleLE(at + HEADER + 1);
    at += HEADER + len;
    records++;
  }
  return { validEnd: at, records, stop: at === buf.length ? 'end' : 'short', ...(lastMs !== undefined && { lastMs }) };
}
