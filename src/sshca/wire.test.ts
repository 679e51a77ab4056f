import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { encodeMpint, SSHReader, SSHWriter } from './wire.js';

describe('SSHWriter/SSHReader', () => {
  it('round-trips every value kind', () => {
    const buf = new SSHWriter()
      .byte(7)
      .bool(true)
      .uint32(0xdeadbeef)
      .uint64(0xffff_ffff_ffff_ffffn)
      .string('héllo')
      .string(Buffer.from([0, 1, 2]))
      .mpint(0x80n)
      .mpint(Buffer.from([0, 0, 5]))
      .mpint(0n)
      .nameList(['a', 'b-c@x'])
      .nameList([])
      .toBuffer();
    const r = new SSHReader(buf);
    expect(r.byte()).toBe(7);
    expect(r.bool()).toBe(true);
    expect(r.uint32()).toBe(0xdeadbeef);
    expect(r.uint64()).toBe(0xffff_ffff_ffff_ffffn);
    expect(r.text()).toBe('héllo');
    expect(r.string()).toEqual(Buffer.from([0, 1, 2]));
    expect(r.mpint()).toEqual(Buffer.from([0x80]));
    expect(r.mpint()).toEqual(Buffer.from([5]));
    expect(r.mpint()).toEqual(Buffer.alloc(0));
    expect(r.nameList()).toEqual(['a', 'b-c@x']);
    expect(r.nameList()).toEqual([]);
    r.end();
  });

  it('encodes mpints as RFC 4251 does', () => {
    expect(encodeMpint(0n)).toEqual(Buffer.alloc(0));
    expect(encodeMpint(0x80n)).toEqual(Buffer.from([0, 0x80]));
    expect(encodeMpint(0x7fn)).toEqual(Buffer.from([0x7f]));
    expect(encodeMpint(Buffer.from([0, 0, 0xff]))).toEqual(Buffer.from([0, 0xff]));
    expect(encodeMpint(0x9a378f9b2e332a7n)).toEqual(Buffer.from('09a378f9b2e332a7', 'hex'));
  });

  const bad: [string, Buffer, (r: SSHReader) => unknown][] = [
    ['empty uint32', Buffer.alloc(3), (r) => r.uint32()],
    ['short uint64', Buffer.alloc(7), (r) => r.uint64()],
    ['byte past end', Buffer.alloc(0), (r) => r.byte()],
    ['string length past end', Buffer.from([0, 0, 0, 5, 1, 2]), (r) => r.string()],
    ['huge string length', Buffer.from([0xff, 0xff, 0xff, 0xff, 1]), (r) => r.string()],
    ['negative mpint', Buffer.from([0, 0, 0, 1, 0x80]), (r) => r.mpint()],
    ['oversized mpint', new SSHWriter().string(Buffer.alloc(2050, 1)).toBuffer(), (r) => r.mpint()],
    ['invalid utf-8', Buffer.from([0, 0, 0, 1, 0xff]), (r) => r.text()],
    ['empty name in list', new SSHWriter().string('a,,b').toBuffer(), (r) => r.nameList()],
    ['trailing bytes', Buffer.from([1]), (r) => r.end()],
  ];
  it.each(bad)('throws BadParameterError on %s', (_name, buf, read) => {
    expect(() => read(new SSHReader(buf, 'thing'))).toThrow(BadParameterError);
  });

  it('names the structure and field in errors', () => {
    expect(() => new SSHReader(Buffer.alloc(2), 'certificate').uint32('serial')).toThrow(
      /certificate truncated reading serial/,
    );
  });

  it('refuses out-of-range writes', () => {
    expect(() => new SSHWriter().uint32(2 ** 32)).toThrow(BadParameterError);
    expect(() => new SSHWriter().uint64(-1n)).toThrow(BadParameterError);
    expect(() => new SSHWriter().uint64(1n << 64n)).toThrow(BadParameterError);
    expect(() => new SSHWriter().nameList(['a,b'])).toThrow(BadParameterError);
  });
});
