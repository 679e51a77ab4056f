import { describe, expect, it } from 'vitest';
import { encodeEvent, encodePrint, MAX_PRINT_BYTES, RecordDecoder, scanRecords, walkRecords } from './record-format.js';

const log = (): Buffer =>
  Buffer.concat([...encodeEvent({ event: 'session.start', ms: 0 }), ...encodePrint(5, Buffer.from('hello')), ...encodePrint(9.5, Buffer.alloc(MAX_PRINT_BYTES + 10, 1))]);

describe('recording records', () => {
  it('decodes records fed in chunks of any size, splitting large output', () => {
    const buf = log();
    for (const step of [7, 1000, 4096, buf.length]) {
      const d = new RecordDecoder();
      const out = [];
      for (let i = 0; i < buf.length; i += step) out.push(...d.push(buf.subarray(i, i + step)));
      d.finish();
      expect(out.map((r) => r.type)).toEqual(['event', 'print', 'print', 'print']);
      expect(out[1]).toMatchObject({ ms: 5, data: Buffer.from('hello') });
      expect(out.slice(2).map((r) => (r.type === 'print' ? r.data.length : 0))).toEqual([MAX_PRINT_BYTES, 10]);
    }
  });

  it('finds the end of the good records before a torn or damaged one', () => {
    const buf = log();
    expect(scanRecords(buf)).toMatchObject({ records: 4, stop: 'end', validEnd: buf.length, lastMs: 9.5 });
    expect(walkRecords(buf)).toEqual(scanRecords(buf));
    expect(walkRecords(buf.subarray(0, buf.length - 3))).toEqual(scanRecords(buf.subarray(0, buf.length - 3)));
    const torn = buf.subarray(0, buf.length - 3);
    const t = scanRecords(torn);
    expect(t).toMatchObject({ records: 3, stop: 'short' });
    const damaged = Buffer.from(buf);
    damaged[t.validEnd + 20] ^= 0xff;
    expect(scanRecords(damaged)).toMatchObject({ records: 3, stop: 'corrupt', validEnd: t.validEnd });
    expect(() => new RecordDecoder().push(damaged)).toThrow(/corrupted \(checksum mismatch\)/);
    const d = new RecordDecoder();
    d.push(torn);
    expect(() => d.finish()).toThrow(/ends inside a record/);
  });
});
