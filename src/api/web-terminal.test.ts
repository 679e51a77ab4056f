import { describe, expect, it } from 'vitest';
import { ENVELOPE, EnvelopeError, decodeEnvelope, encodeEnvelope, parseResizePayload, resizePayload } from './web-terminal.js';

describe('terminal envelopes', () => {
  it('encodes protobuf fields 1-3 (version, type, payload) as length-delimited strings', () => {
    expect([...encodeEnvelope('r', 'hi')]).toEqual([0x0a, 1, 0x31, 0x12, 1, 0x72, 0x1a, 2, 0x68, 0x69]);
  });

  it('round-trips binary payloads, long ones with multi-byte lengths', () => {
    const payload = new Uint8Array(3_000).map((_, i) => i % 256);
    const env = decodeEnvelope(encodeEnvelope(ENVELOPE.raw, payload));
    expect(env.version).toBe('1');
    expect(env.type).toBe('r');
    expect(env.payload).toEqual(payload);
  });

  it('skips unknown fields of every wire type', () => {
    const extra = [0x20, 0x96, 0x01, 0x29, 1, 2, 3, 4, 5, 6, 7, 8, 0x35, 1, 2, 3, 4, 0x3a, 2, 9, 9];
    const env = decodeEnvelope(new Uint8Array([...extra, ...encodeEnvelope('w', '{}')]));
    expect(env.type).toBe('w');
  });

  it.each([
    ['a truncated length', [0x0a, 5, 0x31]],
    ['a truncated varint', [0x0a, 0x80]],
    ['no type', [0x0a, 1, 0x31]],
    ['a group wire type', [0x0b]],
  ])('refuses %s', (_, bytes) => {
    expect(() => decodeEnvelope(new Uint8Array(bytes))).toThrow(EnvelopeError);
  });

  it('reads resize payloads by size or width/height, within bounds', () => {
    expect(parseResizePayload(resizePayload(120, 40))).toEqual({ cols: 120, rows: 40 });
    expect(parseResizePayload('{"width": 80, "height": 24}')).toEqual({ cols: 80, rows: 24 });
    expect(parseResizePayload('{"size": "0:24"}')).toBeUndefined();
    expect(parseResizePayload('{"size": "5000:24"}')).toBeUndefined();
    expect(parseResizePayload('not json')).toBeUndefined();
  });
});
