// The AuditLog over several sinks, as audit_events_uri configures them: every sink gets every event,
// the first searchable one answers, a failing sink does not fail the emit, and the URIs parse.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../api/audit-wire.js';
import { FakeClock } from '../api/clock.js';
import { BadParameterError, NotImplementedError } from '../api/errors.js';
import { silentLogger } from '../log/index.js';
import type { EventSink } from './audit-log.js';
import { auditEvent } from './event.js';
import { FileEventLog } from './file/file-log.js';
import { MemoryEventStore } from './memory/memory-store.js';
import { AuditLog } from './multi-log.js';
import { StdoutEventSink } from './stdout/stdout-sink.js';
import { EVENTS_DB_FILE, openEventSinks, parseAuditURI } from './uri.js';

const root = mkdtempSync(join(tmpdir(), 'audit-log-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const failing: EventSink = {
  uri: 'broken://',
  write: () => Promise.reject(new Error('disk full')),
  close: () => Promise.resolve(),
};

describe('AuditLog', () => {
  it('writes every event to every sink and searches the first searchable one', async () => {
    const clock = new FakeClock(Date.UTC(2026, 5, 1, 8));
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
    const mem = new MemoryEventStore();
    const dir = join(root, 'files');
    const log = new AuditLog({ sinks: [new StdoutEventSink(out), failing, new FileEventLog({ dir, clock }), mem], clock, logger: silentLogger });
    await log.emit(auditEvent('user.login', 'T1000I', { user: 'alice', method: 'local', success: true }));
    await log.emit(auditEvent('role.created', 'T9000I', { user: 'admin', name: 'dev', uid: 'fixed-uid', time: '2026-06-01T07:00:00.000Z' }));
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]) as AuditEvent;
    expect(first).toMatchObject({ event: 'user.login', code: 'T1000I', user: 'alice', ei: 0, time: '2026-06-01T08:00:00.000Z' });
    expect(first.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(mem.size).toBe(2);
    // The file log is the first searchable sink: it answers.
    const page = await log.search({ types: ['role.created'] });
    expect(page.events).toEqual([expect.objectContaining({ uid: 'fixed-uid', name: 'dev' })]);
    await log.close();
    await log.close();
  });

  it('refuses a bad query and says when nothing can be searched', async () => {
    const log = new AuditLog({ sinks: [new StdoutEventSink(new PassThrough())], clock: new FakeClock(), logger: silentLogger });
    await expect(log.search({})).rejects.toBeInstanceOf(NotImplementedError);
    const mem = new AuditLog({ sinks: [new MemoryEventStore()], clock: new FakeClock(), logger: silentLogger });
    await expect(mem.search({ limit: 0 })).rejects.toBeInstanceOf(BadParameterError);
    await expect(mem.search({ limit: 10_001 })).rejects.toThrow(/between 1 and 10000/);
    await expect(mem.search({ from: 'yesterday' })).rejects.toThrow(/RFC 3339/);
    await expect(mem.search({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' })).rejects.toThrow(/must not be after/);
  });
});

describe('audit_events_uri', () => {
  it('parses the supported schemes', () => {
    expect(parseAuditURI('file:///var/lib/teleport/log')).toEqual({ kind: 'file', dir: '/var/lib/teleport/log' });
    expect(parseAuditURI('stdout://')).toEqual({ kind: 'stdout' });
    expect(parseAuditURI('sqlite://')).toEqual({ kind: 'sqlite' });
    expect(parseAuditURI('sqlite:///data/audit.db')).toEqual({ kind: 'sqlite', path: '/data/audit.db' });
  });

  it('refuses what it cannot serve, saying why', () => {
    expect(() => parseAuditURI('file://relative/dir')).toThrow(/absolute directory/);
    expect(() => parseAuditURI('firestore://events')).toThrow(NotImplementedError);
    expect(() => parseAuditURI('ftp://x')).toThrow(/unknown scheme "ftp"/);
    expect(() => parseAuditURI('/var/log')).toThrow(BadParameterError);
  });

  it('opens the cluster database beside the cluster state when nothing is configured', async () => {
    const storageDir = join(root, 'backend');
    const sinks = await openEventSinks([], { storageDir, clock: new FakeClock() });
    expect(sinks.map((s) => s.uri)).toEqual([`sqlite://${join(storageDir, EVENTS_DB_FILE)}`]);
    expect(existsSync(join(storageDir, EVENTS_DB_FILE))).toBe(true);
    for (const s of sinks) await s.close();
    const two = await openEventSinks([`file://${join(root, 'f')}`, 'stdout://'], { storageDir, clock: new FakeClock(), stdout: new PassThrough() });
    expect(two.map((s) => s.uri)).toEqual([`file://${join(root, 'f')}`, 'stdout://']);
    for (const s of two) await s.close();
  });
});
