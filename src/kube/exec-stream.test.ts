// The exec/attach stream parser on frames built here byte by byte: websocket channel messages
// (masked from the client, fragmented, with control frames between, 16- and 64-bit lengths, fed one
// byte at a time), SPDY/3 streams with zlib-compressed header blocks sharing one context, the
// statuses kubectl reads as exit codes, and bytes that are neither.
import { createRequire } from 'node:module';
import { constants, createDeflate } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createExecStreamParser, execStreamTap, statusEvent, type ExecStreamEvent } from './exec-stream.js';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';

function wsFrame(opcode: number, payload: Buffer, o: { fin?: boolean; mask?: boolean } = {}): Buffer {
  const fin = o.fin ?? true;
  const len = payload.length;
  const head: number[] = [(fin ? 0x80 : 0) | opcode];
  const maskBit = o.mask ? 0x80 : 0;
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 0xff);
  else {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(maskBit | 127, ...b);
  }
  if (!o.mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.from(payload.map((x, i) => x ^ key[i & 3]!));
  return Buffer.concat([Buffer.from(head), key, masked]);
}
const channel = (ch: number, data: string | Buffer) => Buffer.concat([Buffer.from([ch]), Buffer.from(data)]);

function feed(read: (c: Buffer) => ExecStreamEvent[], bytes: Buffer, step: number): ExecStreamEvent[] {
  const out: ExecStreamEvent[] = [];
  for (let i = 0; i < bytes.length; i += step) out.push(...read(bytes.subarray(i, i + step)));
  return out;
}
/** Adjacent output events of a kind merged (data as text), so that the split of the input does not matter. */
function merged(events: ExecStreamEvent[]): unknown[] {
  const out: (ExecStreamEvent | { kind: string; parts: Buffer[] })[] = [];
  for (const e of events) {
    const last = out.at(-1);
    if (e.kind === 'stdout' || e.kind === 'stderr' || e.kind === 'stdin') {
      if (last?.kind === e.kind && 'parts' in last) last.parts.push(e.data);
      else out.push({ kind: e.kind, parts: [e.data] });
    } else out.push(e);
  }
  return out.map((e) => ('parts' in e ? { kind: e.kind, data: Buffer.concat(e.parts).toString() } : e));
}

describe('websocket channel protocols', () => {
  const server = Buffer.concat([
    wsFrame(2, channel(1, 'hello ')),
    // a fragmented stdout message with a ping between its frames
    wsFrame(2, channel(1, 'wor'), { fin: false }),
    wsFrame(9, Buffer.from('ping')),
    wsFrame(0, Buffer.from('ld\n')),
    wsFrame(2, channel(2, 'oops\n')),
    wsFrame(2, channel(1, Buffer.alloc(70_000, 'x'))),
    wsFrame(2, channel(3, JSON.stringify({ metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }))),
    wsFrame(8, Buffer.from([0x03, 0xe8])),
    wsFrame(2, channel(1, 'after close is not read')),
  ]);
  const client = Buffer.concat([
    wsFrame(2, channel(4, '{"Width":100,"Height":30}'), { mask: true }),
    wsFrame(2, channel(0, 'ls\r'), { mask: true }),
    wsFrame(2, channel(4, '{"Width":120,"Height":40}'), { mask: true }),
    wsFrame(2, Buffer.from([255, 0]), { mask: true }),
  ]);

  for (const protocol of ['v5.channel.k8s.io', 'v4.channel.k8s.io']) {
    for (const step of [1, 7, 100_000]) {
      it(`${protocol} read ${step === 1 ? 'one byte at a time' : `in chunks of ${step}`}`, () => {
        const p = createExecStreamParser(protocol)!;
        expect(merged(feed(p.fromServer, server, step))).toEqual([
          { kind: 'stdout', data: 'hello world\n' },
          { kind: 'stderr', data: 'oops\n' },
          { kind: 'stdout', data: 'x'.repeat(70_000) },
          { kind: 'status', success: false, exitCode: 3, reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code' },
        ]);
        expect(merged(feed(p.fromClient, client, step))).toEqual([
          { kind: 'resize', cols: 100, rows: 30 },
          { kind: 'stdin', data: 'ls\r' },
          { kind: 'resize', cols: 120, rows: 40 },
        ]);
      });
    }
  }

  it('reads a 64-bit length frame in pieces without holding it whole', () => {
    const p = createExecStreamParser('v5.channel.k8s.io')!;
    const big = wsFrame(2, channel(1, Buffer.alloc(200_000, 'y')));
    const events = feed(p.fromServer, big, 65_536);
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((e) => e.kind === 'stdout')).toBe(true);
    expect(events.reduce((n, e) => n + (e as { data: Buffer }).data.length, 0)).toBe(200_000);
  });

  it('stops at bytes that are no websocket frames with one error, and after a bad resize goes on', () => {
    const p = createExecStreamParser('v4.channel.k8s.io')!;
    expect(p.fromClient(wsFrame(2, channel(4, '{"Width":"wide"}'), { mask: true }))).toEqual([]);
    expect(p.fromClient(wsFrame(2, channel(4, '{"Width":80,"Height":24}'), { mask: true }))).toEqual([{ kind: 'resize', cols: 80, rows: 24 }]);
    const bad = p.fromServer(Buffer.from([0xc2, 0x01, 0x01]));
    expect(bad).toEqual([{ kind: 'error', message: 'compressed or extended websocket frames are not read' }]);
    expect(p.fromServer(wsFrame(2, channel(1, 'more')))).toEqual([]);
    expect(createExecStreamParser('v4.channel.k8s.io')!.fromServer(wsFrame(5, Buffer.from('x')))).toEqual([{ kind: 'error', message: 'unknown websocket opcode 5' }]);
  });

  it('has no parser for protocols it cannot read', () => {
    expect(createExecStreamParser('base64.channel.k8s.io')).toBeUndefined();
    expect(createExecStreamParser('SPDY/3.1+portforward.k8s.io')).toBeUndefined();
    expect(createExecStreamParser('')).toBeUndefined();
  });
});

describe('statuses', () => {
  it('reads Success, NonZeroExitCode and other failures as kubectl does', () => {
    expect(statusEvent('{"metadata":{},"status":"Success"}')).toEqual({ kind: 'status', success: true, exitCode: 0 });
    expect(statusEvent('{"status":"Failure","reason":"InternalError","message":"no such file"}')).toEqual({ kind: 'status', success: false, reason: 'InternalError', message: 'no such file' });
    expect(statusEvent('error executing command')).toEqual({ kind: 'status', success: false, message: 'error executing command' });
  });
});

/** SPDY/3 frames as a client would write them, header blocks compressed with one shared zlib context. */
class SpdyWriter {
  private z = createDeflate({ dictionary: SPDY3_DICTIONARY });
  private async block(headers: Record<string, string>): Promise<Buffer> {
    const parts: Buffer[] = [];
    const count = Buffer.alloc(4);
    count.writeUInt32BE(Object.keys(headers).length);
    parts.push(count);
    for (const [k, v] of Object.entries(headers)) {
      for (const s of [k, v]) {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(Buffer.byteLength(s));
        parts.push(len, Buffer.from(s));
      }
    }
    const out: Buffer[] = [];
    const onData = (d: Buffer) => out.push(d);
    this.z.on('data', onData);
    this.z.write(Buffer.concat(parts));
    await new Promise<void>((r) => this.z.flush(constants.Z_SYNC_FLUSH, () => r()));
    this.z.off('data', onData);
    return Buffer.concat(out);
  }
  private control(type: number, flags: number, body: Buffer): Buffer {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(0x8003, 0);
    h.writeUInt16BE(type, 2);
    h.writeUInt32BE(body.length, 4);
    h[4] = flags;
    return Buffer.concat([h, body]);
  }
  async synStream(id: number, headers: Record<string, string>): Promise<Buffer> {
    const head = Buffer.alloc(10);
    head.writeUInt32BE(id, 0);
    return this.control(1, 0, Buffer.concat([head, await this.block(headers)]));
  }
  async synReply(id: number): Promise<Buffer> {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(id, 0);
    return this.control(2, 0, Buffer.concat([head, await this.block({ ':status': '200' })]));
  }
  static data(id: number, data: string | Buffer, fin = false): Buffer {
    const h = Buffer.alloc(8);
    h.writeUInt32BE(id, 0);
    h.writeUInt32BE(Buffer.byteLength(data), 4);
    h[4] = fin ? 1 : 0;
    return Buffer.concat([h, Buffer.from(data)]);
  }
  static ping(): Buffer {
    return Buffer.from([0x80, 0x03, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]);
  }
}

describe('SPDY/3.1 streams', () => {
  it('primes zlib with the same SPDY/3 dictionary as spdy-transport', () => {
    const theirs = (createRequire(import.meta.url)('spdy-transport/lib/spdy-transport/protocol/spdy/dictionary.js') as Record<string, Buffer>)['3']!;
    expect(SPDY3_DICTIONARY.equals(theirs)).toBe(true);
  });

  it('learns stream types from SYN_STREAM headers and reads output, resizes and the status, split anywhere', async () => {
    const c = new SpdyWriter();
    const s = new SpdyWriter();
    const client = Buffer.concat([
      await c.synStream(1, { streamtype: 'error' }),
      await c.synStream(3, { streamtype: 'stdin' }),
      await c.synStream(5, { streamtype: 'stdout' }),
      await c.synStream(7, { streamtype: 'resize' }),
      SpdyWriter.ping(),
      SpdyWriter.data(7, '{"Width":91,"Height":27}{"Wid'),
      SpdyWriter.data(3, 'echo hi\r'),
      SpdyWriter.data(7, 'th":120,"Height":40}'),
      SpdyWriter.data(3, '', true),
    ]);
    const server = Buffer.concat([
      await s.synReply(1),
      await s.synReply(3),
      await s.synReply(5),
      await s.synReply(7),
      SpdyWriter.data(5, 'echo hi\r\nhi\r\n'),
      SpdyWriter.data(5, Buffer.alloc(100_000, 'z')),
      SpdyWriter.data(1, '{"metadata":{},"status":"Fail'),
      SpdyWriter.data(1, 'ure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"4"}]}}', true),
      SpdyWriter.data(5, '', true),
    ]);
    for (const step of [1, 5, 1 << 20]) {
      const p = createExecStreamParser('SPDY/3.1')!;
      // The client's SYN_STREAMs come before the server's data on their streams.
      expect(merged(feed(p.fromClient, client, step))).toEqual([
        { kind: 'resize', cols: 91, rows: 27 },
        { kind: 'stdin', data: 'echo hi\r' },
        { kind: 'resize', cols: 120, rows: 40 },
      ]);
      expect(merged(feed(p.fromServer, server, step))).toEqual([
        { kind: 'stdout', data: `echo hi\r\nhi\r\n${'z'.repeat(100_000)}` },
        { kind: 'status', success: false, exitCode: 4, reason: 'NonZeroExitCode' },
      ]);
    }
  });

  it('stops with one error at bytes that are not SPDY/3', () => {
    const p = createExecStreamParser('SPDY/3.1')!;
    expect(p.fromClient(Buffer.from([0x80, 0x02, 0x00, 0x01, 0, 0, 0, 0]))).toEqual([{ kind: 'error', message: 'SPDY version 2 is not read' }]);
    expect(p.fromClient(SpdyWriter.data(1, 'x'))).toEqual([]);
    const q = createExecStreamParser('SPDY/3.1')!;
    expect(q.fromClient(Buffer.from([0x80, 0x03, 0x00, 0x01, 0, 0, 0, 14, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]))[0]).toMatchObject({ kind: 'error', message: expect.stringMatching(/does not inflate/) });
  });
});

describe('execStreamTap', () => {
  it('calls the sink in stream order', () => {
    const seen: string[] = [];
    const tap = execStreamTap('v5.channel.k8s.io', {
      output: (d, stream) => seen.push(`${stream}:${d.toString()}`),
      resize: (c, r) => seen.push(`resize:${c}x${r}`),
      status: (e) => seen.push(`exit:${e.exitCode}`),
    })!;
    tap.fromClient(wsFrame(2, channel(4, '{"Width":80,"Height":24}'), { mask: true }));
    tap.fromServer(Buffer.concat([wsFrame(2, channel(1, 'a')), wsFrame(2, channel(2, 'b')), wsFrame(2, channel(3, '{"status":"Success"}'))]));
    expect(seen).toEqual(['resize:80x24', 'stdout:a', 'stderr:b', 'exit:0']);
    expect(execStreamTap('nope', { output: () => undefined, resize: () => undefined })).toBeUndefined();
  });
});

describe('hostile bytes', () => {
  it('never throws on random bytes in either direction and reports at most one error per direction', () => {
    // A fixed pseudo-random sequence (xorshift), so a failure can be replayed.
    let x = 0x9e3779b9;
    const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
    for (const protocol of ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'SPDY/3.1']) {
      for (let round = 0; round < 200; round++) {
        const p = createExecStreamParser(protocol)!;
        for (const side of [p.fromClient, p.fromServer]) {
          const events: ExecStreamEvent[] = [];
          for (let i = 0; i < 8; i++) {
            const chunk = Buffer.alloc(next() % 300);
            for (let j = 0; j < chunk.length; j++) chunk[j] = next() & 0xff;
            events.push(...side(chunk));
          }
          expect(events.filter((e) => e.kind === 'error').length).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('does not hold a huge declared control frame or header history in memory', () => {
    const p = createExecStreamParser('SPDY/3.1')!;
    // A SYN_STREAM declaring 16 MiB of body: refused at its header, not buffered.
    expect(p.fromClient(Buffer.from([0x80, 0x03, 0x00, 0x01, 0x00, 0xff, 0xff, 0xff]))).toEqual([{ kind: 'error', message: 'SPDY control frame too large' }]);
  });
});
