import { describe, expect, it } from 'vitest';
import { MessageSplitter, PG_CANCEL_REQUEST, PG_PROTOCOL_3, encodeStartup, errorMessageOf, errorResponse, parseBind, parseParse, parseQuery, parseStartup } from './wire.js';

/** A typed message: type byte, int32 length, body. */
function msg(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0);
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

describe('PostgreSQL wire', () => {
  it('round-trips a StartupMessage and reads a CancelRequest', () => {
    const p = parseStartup(encodeStartup({ user: 'alice', database: 'orders', application_name: 'psql' }));
    expect(p.code).toBe(PG_PROTOCOL_3);
    expect(p.params).toEqual({ user: 'alice', database: 'orders', application_name: 'psql' });
    const cancel = Buffer.alloc(16);
    cancel.writeUInt32BE(16, 0);
    cancel.writeUInt32BE(PG_CANCEL_REQUEST, 4);
    cancel.writeUInt32BE(4242, 8);
    cancel.writeUInt32BE(0xdeadbeef, 12);
    expect(parseStartup(cancel).cancel).toEqual({ pid: 4242, secret: 0xdeadbeef });
  });

  it.each([
    ['truncated', Buffer.from([0, 0, 0, 4])],
    ['a parameter without a value', Buffer.from([0, 0, 0, 14, 0, 3, 0, 0, ...Buffer.from('user\0\0')])],
    ['no terminator', Buffer.from([0, 0, 0, 17, 0, 3, 0, 0, ...Buffer.from('user\0alice')])],
    ['a short CancelRequest', Buffer.from([0, 0, 0, 12, 4, 210, 22, 46, 0, 0, 0, 1])],
  ])('refuses a startup packet with %s', (_what, raw) => {
    expect(() => parseStartup(raw)).toThrow(/PostgreSQL/);
  });

  it('splits messages across chunk boundaries and bounds their size', () => {
    const q = msg('Q', Buffer.from('select 1\0'));
    const x = msg('X', Buffer.alloc(0));
    const all = Buffer.concat([q, x]);
    const split = new MessageSplitter();
    expect(split.push(all.subarray(0, 3))).toEqual([]);
    const got = split.push(all.subarray(3));
    expect(got.map((m) => m.type)).toEqual(['Q', 'X']);
    expect(parseQuery(got[0].body)).toBe('select 1');
    expect(() => new MessageSplitter(100).push(msg('Q', Buffer.alloc(200)))).toThrow(/over the 100-byte limit/);
    expect(() => new MessageSplitter().push(Buffer.from([0x51, 0, 0, 0, 2]))).toThrow(/malformed PostgreSQL message/);
  });

  it('reads Parse and Bind with text, binary and NULL parameters', () => {
    expect(parseParse(Buffer.from('s1\0select $1, $2, $3\0\0\0'))).toEqual({ name: 's1', query: 'select $1, $2, $3' });
    const params = [Buffer.from('42'), Buffer.from([1, 2]), null];
    const parts: Buffer[] = [Buffer.from('p1\0s1\0'), Buffer.from([0, 3, 0, 0, 0, 1, 0, 0]), Buffer.from([0, 3])];
    for (const p of params) {
      const len = Buffer.alloc(4);
      len.writeInt32BE(p === null ? -1 : p.length, 0);
      parts.push(len, ...(p ? [p] : []));
    }
    parts.push(Buffer.from([0, 0]));
    expect(parseBind(Buffer.concat(parts))).toEqual({ portal: 'p1', statement: 's1', parameters: ['42', '\\x0102', null] });
  });

  it('writes an ErrorResponse psql prints, and reads its message back', () => {
    const e = errorResponse('access to db denied', '28000');
    expect(e.subarray(0, 1).toString()).toBe('E');
    expect(e.readUInt32BE(1)).toBe(e.length - 1);
    expect(errorMessageOf(e.subarray(5))).toBe('access to db denied');
  });
});
