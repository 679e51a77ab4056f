import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { FakeClock } from '../api/clock.js';
import { auditEvent, checkIncomingEvent, completeEvent, maskSecret, newEventUID } from './event.js';

describe('events from other processes', () => {
  it('accepts a registered event and refuses what is not', () => {
    const ok = { ...auditEvent('exec', 'T3002I', { command: 'ls', sid: 's', user: 'alice' }), uid: 'u-1', time: '2026-01-01T00:00:00Z', ei: 2 };
    expect(checkIncomingEvent(ok)).toEqual(ok);
    const bad: [unknown, RegExp][] = [
      [null, /JSON object/],
      [[], /JSON object/],
      [{ event: 'exec' }, /"event" and "code"/],
      [{ event: 'exec', code: 'T1000I' }, /unknown audit event "exec" with code "T1000I"/],
      [{ event: 'made.up', code: 'X0001I' }, /unknown audit event/],
      [{ event: 'exec', code: 'T3002I', time: 'now' }, /RFC 3339/],
      [{ event: 'exec', code: 'T3002I', ei: -1 }, /non-negative/],
      [{ event: 'exec', code: 'T3002I', uid: 'has spaces' }, /invalid uid/],
      [{ event: 'exec', code: 'T3002I', server_id: 7 }, /"server_id" must be a string/],
      [{ event: 'exec', code: 'T3002I', command: 'x'.repeat(70_000) }, /larger than/],
    ];
    for (const [input, message] of bad) {
      expect(() => checkIncomingEvent(input)).toThrow(BadParameterError);
      expect(() => checkIncomingEvent(input)).toThrow(message);
    }
  });

  it('masks secrets but for their last quarter', () => {
    expect(maskSecret('0123456789abcdef0123456789abcdef')).toBe(`${'*'.repeat(24)}89abcdef`);
    expect(maskSecret('abc')).toBe('***');
  });
});

describe('event uids', () => {
  it('are UUIDv7s that increase in the order they are made, even within one millisecond', () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const uids = Array.from({ length: 5000 }, () => completeEvent(auditEvent('exec', 'T3002I'), clock).uid);
    for (const u of uids) expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...uids].sort()).toEqual(uids);
    expect(new Set(uids).size).toBe(uids.length);
    expect(newEventUID(Date.UTC(2030, 0, 1)) > uids[uids.length - 1]).toBe(true);
  });
});

describe('event string bounds', () => {
  it('cuts long strings with a marker before any sink sees them', () => {
    const clock = new FakeClock();
    const user = 'u'.repeat(1024 * 1024);
    const e = completeEvent(auditEvent('user.login', 'T1000W', { user, error: `no such user ${user}`, method: 'local', success: false }), clock);
    expect(e.user).toBe(`${'u'.repeat(4096)}…[truncated ${1024 * 1024 - 4096} characters]`);
    expect(JSON.stringify(e).length).toBeLessThan(10_000);
    // Short fields are kept as they are.
    expect(e.method).toBe('local');
  });

  it('keeps an event of many long fields under the event size limit', () => {
    const fields = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, 'x'.repeat(5000)]));
    const e = completeEvent(auditEvent('exec', 'T3002I', { ...fields, nested: { list: Array.from({ length: 5000 }, () => 'y'), deep: { a: { b: { c: { d: { e: { f: { g: { h: 'deep' } } } } } } } } } }), new FakeClock());
    expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThan(64 * 1024);
    expect((e as unknown as { f0: string }).f0).toMatch(/^x{256}…\[truncated 4744 characters\]$/);
  });
});
