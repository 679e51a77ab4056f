// First-bytes detection (Teleport's multiplexer rules) and the handler registry.
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError } from '../../api/errors.js';
import { PG_CANCEL_REQUEST, PG_GSSENC_REQUEST, PG_SSL_REQUEST, detect, type Detected } from './detect.js';
import { chooseALPN } from './listener.js';
import { ProtocolRegistry } from './registry.js';

const startup = Buffer.from([0, 0, 0, 40, 0, 3, 0, 0]);

describe('detect', () => {
  const cases: [string, Buffer, Detected][] = [
    ['a TLS 1.2/1.3 ClientHello record', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]), 'tls'],
    ['SSH version line', Buffer.from('SSH-2.0-OpenSSH_9.2'), 'ssh'],
    ['PROXY v1', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'), 'proxy-v1'],
    ['PROXY v2', Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]), 'proxy-v2'],
    ['PostgreSQL SSLRequest', PG_SSL_REQUEST, 'postgres'],
    ['PostgreSQL GSSENCRequest', PG_GSSENC_REQUEST, 'postgres'],
    ['PostgreSQL CancelRequest', Buffer.concat([PG_CANCEL_REQUEST, Buffer.alloc(8)]), 'postgres'],
    ['PostgreSQL StartupMessage 3.0', startup, 'postgres'],
    ['garbage', Buffer.from('\x00\x01\x02\x03\x04\x05\x06\x07'), 'unknown'],
    ['fewer than 8 bytes', Buffer.from('GET /'), 'unknown'],
    ['a method without its space', Buffer.from('GETTING /'), 'unknown'],
    ['0x16 without a TLS version', Buffer.from([0x16, 0x09, 0, 0, 0, 0, 0, 0]), 'unknown'],
  ];
  for (const m of ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']) cases.push([`HTTP ${m}`, Buffer.from(`${m} /webapi/ping HTTP/1.1\r\n`), 'http']);
  for (const [name, head, want] of cases) {
    it(`${name} -> ${want}`, () => expect(detect(head)).toBe(want));
  }
});

describe('chooseALPN', () => {
  it("takes the client's first name this proxy serves, skipping -ping variants; none is a refusal", () => {
    expect(chooseALPN(['h2', 'http/1.1'], false)).toBe('http/1.1');
    expect(chooseALPN(['teleport-postgres-ping', 'teleport-postgres'], false)).toBe('teleport-postgres');
    expect(chooseALPN(['teleport-mysql-8.0.36', 'teleport-mysql'], false)).toBe('teleport-mysql-8.0.36');
    expect(chooseALPN(['teleport-reversetunnel'], false)).toBe('teleport-reversetunnel');
    expect(chooseALPN(['h2'], false)).toBeUndefined();
    expect(chooseALPN(['imap', 'smtp'], false)).toBeUndefined();
    // Kubernetes (by SNI or its own listener) speaks HTTP/1.1 here.
    expect(chooseALPN(['h2', 'http/1.1'], true)).toBe('http/1.1');
    expect(chooseALPN(['h2'], true)).toBeUndefined();
  });
});

describe('ProtocolRegistry', () => {
  it('one handler per protocol; the removal removes only its own', () => {
    const r = new ProtocolRegistry();
    const h = () => {};
    const off = r.register('postgres', h);
    expect(() => r.register('postgres', () => {})).toThrow(AlreadyExistsError);
    expect(r.get('postgres')).toBe(h);
    expect(r.protocols()).toEqual(['postgres']);
    off();
    expect(r.get('postgres')).toBeUndefined();
    const h2 = () => {};
    r.register('postgres', h2);
    off();
    expect(r.get('postgres')).toBe(h2);
  });
});
