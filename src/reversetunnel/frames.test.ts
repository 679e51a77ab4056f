// Framing: a dial frame read without eating the bytes after it, limits and malformed input
// refused with typed errors, control lines split across chunks, and the protocol's validators.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BadParameterError, ConnectionProblemError } from '../api/errors.js';
import { readFrame, readLines, writeFrame } from './frames.js';
import { parseControlMessage, parseDialReply, parseDialRequest } from './protocol.js';

function frame(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

describe('readFrame', () => {
  it('reads one frame, split or not, and leaves the rest in the stream', async () => {
    const s = new PassThrough();
    const bytes = Buffer.concat([frame({ ok: true }), Buffer.from('SSH-2.0-node\r\n')]);
    s.write(bytes.subarray(0, 3));
    setTimeout(() => s.write(bytes.subarray(3)), 10);
    expect(await readFrame(s, 1_000)).toEqual({ ok: true });
    const rest: Buffer[] = [];
    s.on('data', (c: Buffer) => rest.push(c));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(rest).toString()).toBe('SSH-2.0-node\r\n');
  });

  it('round-trips writeFrame', async () => {
    const s = new PassThrough();
    writeFrame(s, { version: 'v1', type: 'node', address: '@local-node' });
    expect(await readFrame(s, 1_000)).toEqual({ version: 'v1', type: 'node', address: '@local-node' });
  });

  it('refuses oversized and non-JSON frames, and fails on end or timeout', async () => {
    const big = new PassThrough();
    big.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await expect(readFrame(big, 1_000)).rejects.toThrow(BadParameterError);
    const junk = new PassThrough();
    junk.write(Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{{{')]));
    await expect(readFrame(junk, 1_000)).rejects.toThrow(/not JSON/);
    const ended = new PassThrough();
    ended.end(Buffer.from([0, 0]));
    await expect(readFrame(ended, 1_000)).rejects.toThrow(ConnectionProblemError);
    await expect(readFrame(new PassThrough(), 20)).rejects.toThrow(/no answer on the tunnel channel within 20 ms/);
  });
});

describe('readLines', () => {
  it('joins lines split across chunks and stops at an oversized one', () => {
    const s = new PassThrough();
    const lines: string[] = [];
    const errors: string[] = [];
    readLines(s, (l) => lines.push(l), (e) => errors.push(e.message), 32);
    s.write('{"type":"pi');
    s.write('ng"}\n\n{"type":"ping"}\n');
    s.write('x'.repeat(40));
    s.write('\n{"type":"ping"}\n');
    expect(lines).toEqual(['{"type":"ping"}', '{"type":"ping"}']);
    expect(errors).toEqual(['control message over the 32 byte limit']);
  });
});

describe('protocol messages', () => {
  it('validates dial requests, replies and control messages', () => {
    expect(parseDialRequest({ version: 'v1', type: 'node', address: '@local-node' })).toEqual({
      version: 'v1',
      type: 'node',
      address: '@local-node',
      server_id: '',
      client_addr: '',
    });
    expect(() => parseDialRequest({ version: 'v2', type: 'node', address: 'x' })).toThrow(/invalid dial request: version/);
    expect(() => parseDialRequest({ version: 'v1', type: 'ftp', address: 'x' })).toThrow(/invalid dial request: type/);
    expect(() => parseDialRequest({ version: 'v1', type: 'node', address: 'x', extra: 1 })).toThrow(BadParameterError);
    expect(parseDialReply({ ok: false, error: { code: 'not_found', message: 'no' } })).toEqual({ ok: false, error: { code: 'not_found', message: 'no' } });
    expect(() => parseDialReply({ ok: 'yes' })).toThrow(BadParameterError);
    expect(parseControlMessage('{"type":"discovery","proxies":[{"version":"v2","metadata":{"name":"p1"}}]}')).toEqual({
      type: 'discovery',
      proxies: [{ version: 'v2', metadata: { name: 'p1' } }],
    });
    expect(() => parseControlMessage('{"type":"shutdown"}')).toThrow(BadParameterError);
    expect(() => parseControlMessage('nope')).toThrow(/not JSON/);
  });
});
