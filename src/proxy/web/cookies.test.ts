import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkCSRF, csrfTokenFor, decodeSessionCookie, encodeSessionCookie, parseCookies, sessionCookie } from './cookies.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const token = 'ab'.repeat(32);

describe('web cookies', () => {
  it('encodes the session cookie as hex JSON {user, sid}, as Teleport does', () => {
    const v = encodeSessionCookie('alice', 'f00');
    expect(Buffer.from(v, 'hex').toString()).toBe('{"user":"alice","sid":"f00"}');
    expect(decodeSessionCookie(v)).toEqual({ user: 'alice', sid: 'f00' });
    expect(sessionCookie('alice', 'f00')).toBe(`__Host-session=${v}; Path=/; HttpOnly; Secure; SameSite=Lax`);
  });

  it.each(['', 'zz', Buffer.from('{"user":1}').toString('hex'), Buffer.from('nope').toString('hex')])('refuses the session cookie %j', (v) => {
    expect(decodeSessionCookie(v)).toBeUndefined();
  });

  it('parses cookie headers, first value winning', () => {
    expect(parseCookies('a=1; b=2; a=3; junk; =x')).toEqual({ a: '1', b: '2' });
  });

  it('accepts a CSRF header only when it equals the cookie', () => {
    expect(() => checkCSRF(req({ cookie: `__Host-grv_csrf=${token}`, 'x-csrf-token': token }))).not.toThrow();
    expect(() => checkCSRF(req({ cookie: `__Host-grv_csrf=${token}`, 'x-csrf-token': 'cd'.repeat(32) }))).toThrow(/CSRF/);
    expect(() => checkCSRF(req({ 'x-csrf-token': token }))).toThrow(/CSRF/);
    expect(() => checkCSRF(req({ cookie: `__Host-grv_csrf=short`, 'x-csrf-token': 'short' }))).toThrow(/CSRF/);
  });

  it('keeps the CSRF token a browser already has', () => {
    expect(csrfTokenFor(req({ cookie: `__Host-grv_csrf=${token}` }))).toEqual({ token, fresh: false });
    const fresh = csrfTokenFor(req({}));
    expect(fresh.fresh).toBe(true);
    expect(fresh.token).toMatch(/^[0-9a-f]{64}$/);
  });
});
