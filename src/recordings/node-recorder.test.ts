// The node's recorder against an in-memory auth server: parts while the session runs, the final
// upload and completion, the upload completer after a "crash" (an abandoned spool with a torn
// tail), an unreachable auth server, and the modes.
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../api/clock.js';
import { AlreadyExistsError, BadParameterError, ConnectionProblemError } from '../api/errors.js';
import type { CompleteRecordingRequest, RecordingEvent, SessionRecordingMode } from '../api/recording-wire.js';
import { silentLogger } from '../log/index.js';
import type { RecordingStart } from '../node/index.js';
import { NodeRecorder } from './node-recorder.js';
import { recordingEvents } from './playback.js';
import { spoolRoot } from './spool.js';
import type { RecordingUploadTarget } from './uploader.js';

/** An auth server in memory; `down` makes every call fail as a network error would. */
class FakeAuth implements RecordingUploadTarget {
  parts = new Map<string, Map<number, Buffer>>();
  done = new Map<string, { data: Buffer; req: CompleteRecordingRequest }>();
  down = false;
  mode: SessionRecordingMode = 'node';
  private check(): void {
    if (this.down) throw new ConnectionProblemError('auth server unreachable');
  }
  async recordingConfig() {
    this.check();
    return { mode: this.mode };
  }
  async uploadRecordingPart(sid: string, part: number, data: Buffer | Buffer[]): Promise<void> {
    this.check();
    if (this.done.has(sid)) throw new AlreadyExistsError('complete');
    if (!this.parts.has(sid)) this.parts.set(sid, new Map());
    this.parts.get(sid)!.set(part, Buffer.concat(Array.isArray(data) ? data : [data]));
  }
  async completeRecording(sid: string, req: CompleteRecordingRequest): Promise<void> {
    this.check();
    if (this.done.has(sid)) throw new AlreadyExistsError('complete');
    const parts = this.parts.get(sid) ?? new Map<number, Buffer>();
    const bufs: Buffer[] = [];
    for (let n = 1; n <= req.parts; n++) {
      if (!parts.has(n)) throw new BadParameterError(`part ${n} missing`);
      bufs.push(parts.get(n)!);
    }
    this.done.set(sid, { data: Buffer.concat(bufs), req });
  }
  async events(sid: string): Promise<RecordingEvent[]> {
    const out: RecordingEvent[] = [];
    for await (const e of recordingEvents(Readable.from([this.done.get(sid)!.data]))) out.push(e);
    return out;
  }
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function setup(auth: FakeAuth) {
  const dataDir = await mkdtemp(join(tmpdir(), 'recorder-'));
  dirs.push(dataDir);
  const make = () =>
    new NodeRecorder({
      dataDir,
      target: auth,
      clusterName: 'rec.test',
      serverId: 'host-1',
      serverHostname: 'node-1',
      clock: systemClock,
      logger: silentLogger,
      partSizeBytes: 1, // raised to the smallest allowed (one max-size record)
      scanIntervalMs: 3_600_000,
      modeTtlMs: 0,
    });
  return { dataDir, make };
}

function start(over: Partial<RecordingStart> = {}): RecordingStart {
  return {
    sessionId: randomUUID(),
    kind: 'shell',
    user: 'alice',
    login: 'root',
    remoteAddr: '127.0.0.1:5000',
    localAddr: '127.0.0.1:3022',
    tty: true,
    term: 'xterm',
    cols: 80,
    rows: 24,
    strict: false,
    ...over,
  };
}

const printed = (events: RecordingEvent[]): Buffer =>
  Buffer.concat(events.filter((e) => e.event === 'print').map((e) => Buffer.from(e.data!, 'base64')));

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('NodeRecorder', () => {
  it('uploads parts while the session runs, then completes with every event in order', async () => {
    const auth = new FakeAuth();
    const { dataDir, make } = await setup(auth);
    const rec = make();
    await rec.start();
    const s = start();
    const r = (await rec.begin(s))!;
    const out: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const chunk = randomBytes(64 * 1024);
      out.push(chunk);
      r.write(chunk);
      if (i === 10) r.resize(120, 40);
      await new Promise((res) => setImmediate(res));
    }
    // Parts go up before the end: a part holds at least 1 MiB of records.
    await until(() => (auth.parts.get(s.sessionId)?.size ?? 0) >= 1);
    await r.end({ code: 0 });
    await until(() => auth.done.has(s.sessionId));
    const { req } = auth.done.get(s.sessionId)!;
    expect(req.parts).toBeGreaterThanOrEqual(3);
    expect(req.summary).toMatchObject({ sid: s.sessionId, participants: ['alice'], server_hostname: 'node-1', interactive: true });
    expect(req.summary.incomplete).toBeUndefined();
    const events = await auth.events(s.sessionId);
    expect(events[0]).toMatchObject({ event: 'session.start', code: 'T2000I', ei: 0, sid: s.sessionId, size: '80:24', user: 'alice' });
    expect(events.at(-1)).toMatchObject({ event: 'session.end', code: 'T2004I', participants: ['alice'], interactive: true });
    expect(events.find((e) => e.event === 'resize')).toMatchObject({ code: 'T2002I', size: '120:40' });
    expect(events.map((e) => e.ei)).toEqual(events.map((_, i) => i));
    expect(printed(events).equals(Buffer.concat(out))).toBe(true);
    // The spool goes just after the completion.
    await until(async () => (await readdir(spoolRoot(dataDir))).length === 0);
    await rec.close();
  });

  it('completes an abandoned spool at the next start, cut at its torn last record', async () => {
    const auth = new FakeAuth();
    const { dataDir, make } = await setup(auth);
    const first = make();
    await first.start();
    const s = start({ kind: 'exec', command: 'make build', tty: false });
    const r = (await first.begin(s))!;
    r.write(Buffer.from('line one\n'));
    r.write(Buffer.from('line two\n'));
    await until(async () => (await readdir(join(spoolRoot(dataDir), s.sessionId))).includes('events.log'));
    await new Promise((res) => setTimeout(res, 50));
    // The process dies mid-write: half a record at the end of the log, no session.end.
    await appendFile(join(spoolRoot(dataDir), s.sessionId, 'events.log'), Buffer.from([40, 0, 0, 0, 1, 2, 3]));
    expect(auth.done.size).toBe(0);

    const second = make();
    await second.start();
    await until(() => auth.done.has(s.sessionId));
    const { req } = auth.done.get(s.sessionId)!;
    expect(req.summary).toMatchObject({ incomplete: true, initial_command: ['make build'], interactive: false });
    const events = await auth.events(s.sessionId);
    expect(events.map((e) => e.event)).toEqual(['session.start', 'print', 'print']);
    expect(printed(events).toString()).toBe('line one\nline two\n');
    await until(async () => (await readdir(spoolRoot(dataDir))).length === 0);
    await second.close();
    await first.close();
  });

  it('keeps the spool while the auth server is unreachable and uploads it once it is back', async () => {
    const auth = new FakeAuth();
    const { dataDir, make } = await setup(auth);
    const rec = make();
    await rec.start();
    const s = start();
    const r = (await rec.begin(s))!;
    auth.down = true;
    r.write(Buffer.from('while auth is down\r\n'));
    await r.end({ code: 0 });
    await rec.scan();
    expect(auth.done.has(s.sessionId)).toBe(false);
    expect(await readdir(spoolRoot(dataDir))).toEqual([s.sessionId]);
    auth.down = false;
    await rec.scan();
    expect(printed(await auth.events(s.sessionId)).toString()).toBe('while auth is down\r\n');
    expect(await readdir(spoolRoot(dataDir))).toEqual([]);
    await rec.close();
  });

  it('tells the session when its spool fails mid-session (a full disk)', async () => {
    const auth = new FakeAuth();
    const { dataDir, make } = await setup(auth);
    const rec = make();
    // Not started: the completer's first scan would take the directory planted below, not yet
    // claimed by a session, for an abandoned spool and remove it.
    const s = start({ strict: true });
    // Writes to /dev/full fail with ENOSPC, as on a full disk.
    await mkdir(join(spoolRoot(dataDir), s.sessionId), { recursive: true });
    await symlink('/dev/full', join(spoolRoot(dataDir), s.sessionId, 'events.log'));
    const failures: Error[] = [];
    const r = (await rec.begin({ ...s, onFailure: (err) => failures.push(err) }))!;
    r.write(Buffer.from('lost'));
    await until(() => failures.length > 0);
    expect((failures[0] as NodeJS.ErrnoException).code).toBe('ENOSPC');
    r.write(Buffer.from('dropped, not thrown'));
    await r.end({ signal: 'KILL' });
    await until(async () => (await readdir(spoolRoot(dataDir))).length === 0);
    expect(failures).toHaveLength(1);
    await rec.close();
  });

  it('records nothing in off and proxy modes, and refuses a strict node-sync session without the auth server', async () => {
    const auth = new FakeAuth();
    const { dataDir, make } = await setup(auth);
    const rec = make();
    await rec.start();
    for (const mode of ['off', 'proxy', 'proxy-sync'] as const) {
      auth.mode = mode;
      expect(await rec.begin(start())).toBeUndefined();
    }
    expect(await readdir(spoolRoot(dataDir))).toEqual([]);
    auth.mode = 'node-sync';
    const s = start();
    const r = (await rec.begin(s))!;
    r.write(Buffer.from('synced'));
    // node-sync uploads what is new every second, whatever its size.
    await until(() => (auth.parts.get(s.sessionId)?.size ?? 0) >= 1, 5_000);
    await r.end({ code: 0 });
    await until(() => auth.done.has(s.sessionId));
    auth.down = true;
    await expect(rec.begin(start({ strict: true }))).rejects.toThrow(/node-sync.*strict.*cannot be reached/);
    // Best effort: recorded locally, uploaded later.
    expect(await rec.begin(start())).toBeDefined();
    await rec.close();
  });
});
