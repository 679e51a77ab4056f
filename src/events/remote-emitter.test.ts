// The emitter of hosts without an auth server: batches in the background, retries while the auth
// server cannot be reached, drops refused batches and events beyond its buffer, never rejects.
import { describe, expect, it } from 'vitest';
import type { AuditEventInput } from '../api/audit-wire.js';
import { FakeClock } from '../api/clock.js';
import { AccessDeniedError, ConnectionProblemError } from '../api/errors.js';
import { silentLogger } from '../log/index.js';
import { auditEvent } from './event.js';
import { RemoteEmitter } from './remote-emitter.js';

const ev = (n: number) => auditEvent('exec', 'T3002I', { command: `cmd ${n}` });

describe('RemoteEmitter', () => {
  it('sends queued events in batches, stamped with uid and time where they happened', async () => {
    const batches: AuditEventInput[][] = [];
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const r = new RemoteEmitter({ sender: { emitAuditEvents: async (b) => void batches.push(b) }, clock, logger: silentLogger });
    await Promise.all([1, 2, 3].map((n) => r.emit(ev(n))));
    expect(batches.flat().map((e) => e.command)).toEqual(['cmd 1', 'cmd 2', 'cmd 3']);
    expect(batches.length).toBeLessThanOrEqual(2);
    expect(batches[0][0]).toMatchObject({ time: '2026-01-01T00:00:00.000Z', ei: 0 });
    expect(batches[0][0].uid).toMatch(/^[0-9a-f-]{36}$/);
    await r.close();
  });

  it('retries a batch while the auth server is unreachable, and drops a refused one', async () => {
    let calls = 0;
    const sent: AuditEventInput[] = [];
    const r = new RemoteEmitter({
      sender: {
        emitAuditEvents: async (b) => {
          calls++;
          if (calls <= 2) throw new ConnectionProblemError('auth server unreachable');
          if (b[0].command === 'cmd 9') throw new AccessDeniedError('not your server');
          sent.push(...b);
        },
      },
      clock: new FakeClock(),
      logger: silentLogger,
      retryDelaysMs: [1, 1, 1],
    });
    await r.emit(ev(1));
    expect(calls).toBe(3);
    expect(sent.map((e) => e.command)).toEqual(['cmd 1']);
    await r.emit(ev(9));
    expect(calls).toBe(4);
    expect(sent).toHaveLength(1);
    await r.close();
  });

  it('drops events beyond its buffer and after close, without rejecting', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sent: AuditEventInput[] = [];
    const r = new RemoteEmitter({
      sender: { emitAuditEvents: async (b) => { await gate; sent.push(...b); } },
      clock: new FakeClock(),
      logger: silentLogger,
      bufferLimit: 2,
    });
    const first = r.emit(ev(1)); // Taken by the sender at once.
    const queued = [r.emit(ev(2)), r.emit(ev(3)), r.emit(ev(4))];
    release();
    await Promise.all([first, ...queued]);
    expect(sent.map((e) => e.command)).toEqual(['cmd 1', 'cmd 2', 'cmd 3']);
    await r.close();
    await r.emit(ev(5));
    expect(sent).toHaveLength(3);
  });
});
