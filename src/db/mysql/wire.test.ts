import { describe, expect, it } from 'vitest';
import {
  AUTH_PLUGIN,
  CLIENT,
  PROXY_CAPABILITIES,
  PacketSplitter,
  encodeGreeting,
  encodeHandshakeResponse,
  errorPayload,
  packet,
  parseError,
  parseGreeting,
  parseHandshakeResponse,
} from './wire.js';

describe('MySQL wire', () => {
  it('round-trips the greeting the proxy sends', () => {
    const scramble = Buffer.from('abcdefghijklmnopqrst');
    const g = parseGreeting(encodeGreeting({ serverVersion: '5.5.5-10.11.19-MariaDB', connectionId: 7, scramble, capabilities: PROXY_CAPABILITIES, charset: 45, status: 2, authPlugin: AUTH_PLUGIN }));
    expect(g).toEqual({ serverVersion: '5.5.5-10.11.19-MariaDB', connectionId: 7, scramble, capabilities: PROXY_CAPABILITIES, charset: 45, status: 2, authPlugin: AUTH_PLUGIN });
  });

  it('tells an SSLRequest from a HandshakeResponse41 and reads user, database, plugin and attributes', () => {
    const base = { capabilities: PROXY_CAPABILITIES, maxPacket: 1 << 24, charset: 45 };
    expect(parseHandshakeResponse(encodeHandshakeResponse(base))).toEqual(base);
    const attrs = Buffer.from([5, 1, 0x61, 2, 0x62, 0x63]);
    const full = parseHandshakeResponse(encodeHandshakeResponse({ ...base, user: 'alice', authResponse: Buffer.from([1, 2, 3]), database: 'orders', authPlugin: AUTH_PLUGIN, attrs }));
    expect(full).toMatchObject({ user: 'alice', database: 'orders', authPlugin: AUTH_PLUGIN });
    expect(full.authResponse).toEqual(Buffer.from([1, 2, 3]));
    expect(full.attrs).toEqual(attrs);
  });

  it.each([
    ['too short', Buffer.alloc(10)],
    ['without the 4.1 protocol', Buffer.alloc(32)],
    ['a user without its terminator', Buffer.concat([encodeHandshakeResponse({ capabilities: CLIENT.PROTOCOL_41, maxPacket: 0, charset: 45 }), Buffer.from('alice')])],
    ['an auth response longer than the packet', Buffer.concat([encodeHandshakeResponse({ capabilities: CLIENT.PROTOCOL_41 | CLIENT.SECURE_CONNECTION, maxPacket: 0, charset: 45 }), Buffer.from('alice\0'), Buffer.from([40, 1])])],
  ])('refuses a handshake response %s', (_what, p) => {
    expect(() => parseHandshakeResponse(p)).toThrow();
  });

  it('reads a server ERR in place of a greeting, and ERR packets with and without SQLSTATE', () => {
    expect(() => parseGreeting(Buffer.from([0xff, 0x6a, 0x04, ...Buffer.from("Host '1.2.3.4' is not allowed")]))).toThrow(/the database refused the connection: Host '1.2.3.4' is not allowed/);
    expect(parseError(errorPayload(1045, 'access to db denied', '28000'))).toEqual({ code: 1045, sqlState: '28000', message: 'access to db denied' });
    expect(parseError(errorPayload(1105, 'no', 'HY000', false))).toEqual({ code: 1105, message: 'no' });
  });

  it('splits packets across chunks and bounds their size', () => {
    const a = packet(0, Buffer.from([3, ...Buffer.from('select 1')]));
    const b = packet(1, Buffer.from('x'));
    const split = new PacketSplitter();
    const all = Buffer.concat([a, b]);
    expect(split.push(all.subarray(0, 6))).toEqual([]);
    const got = split.push(all.subarray(6));
    expect(got.map((p) => [p.seq, p.payload.toString('latin1')])).toEqual([[0, '\x03select 1'], [1, 'x']]);
    expect(() => new PacketSplitter(4).push(packet(0, Buffer.alloc(5)))).toThrow(/over the 4-byte bound/);
    // A large packet arriving in small chunks, then a small one in the same chunk as its tail.
    const large = packet(0, Buffer.alloc(1 << 20, 0x61));
    const stream = Buffer.concat([large, b]);
    const many = new PacketSplitter();
    const out = [];
    for (let at = 0; at < stream.length; at += 1000) out.push(...many.push(stream.subarray(at, at + 1000)));
    expect(out.map((p) => p.payload.length)).toEqual([1 << 20, 1]);
    expect(out[0].raw.equals(large)).toBe(true);
    expect(many.rest().length).toBe(0);
  });
});
