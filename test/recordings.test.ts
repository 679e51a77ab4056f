// Session recordings against a real cluster (auth + proxy + node in one process, recordings in the
// default directory): an interactive tsh ssh session in a pseudo-terminal (commands, a resize) and
// an exec session recorded, listed by tsh recordings ls and played back by tsh play as text, JSON
// and asciicast; who may list and play (the access preset's participants rule, the auditor, a user
// without session rules).
import { userInfo } from 'node:os';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingEvent } from '../src/api/recording-wire.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { identityUser, type IdentityUser } from './helpers/identity-user.js';
import { listedSessions, waitForNewRecording, waitForRecording } from './helpers/recordings.js';

const me = userInfo().username;

const printed = (events: RecordingEvent[]): string =>
  Buffer.concat(events.filter((e) => e.event === 'print').map((e) => Buffer.from(e.data!, 'base64'))).toString('utf8');

describe.skipIf(!existsSync(resolve('bin/tsh')))('session recordings', () => {
  let c: TestCluster;
  let alice: IdentityUser;
  let bob: IdentityUser;
  let carol: IdentityUser;
  let dave: IdentityUser;
  let ptySid = '';
  let execSid = '';

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'rec.test', nodename: 'node-1', ssh: 'labels: {env: test}' });
    const admin = await c.admin();
    await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'ssh-only' }, spec: { allow: { logins: [me], node_labels: { '*': '*' } } } });
    alice = await identityUser(c, 'alice', ['access'], [me]);
    bob = await identityUser(c, 'bob', ['access'], [me]);
    carol = await identityUser(c, 'carol', ['auditor'], []);
    dave = await identityUser(c, 'dave', ['ssh-only'], [me]);
  }, 120_000);
  afterAll(async () => {
    for (const u of [alice, bob, carol, dave]) await u?.cleanup();
    await c?.close();
  });

  it('records an interactive session with its commands and a resize, and plays it back as text', async () => {
    const t = alice.spawn(['ssh', '-l', me, 'node-1'], { cols: 100, rows: 30 });
    t.p.write('echo "sid=$SSH_SESSION_ID"\r');
    ptySid = (await t.until(/sid=([0-9a-f-]{36})/))[1];
    t.p.write('echo rec-$((6*7))\r');
    await t.until(/[\r\n]rec-42\r/);
    t.p.resize(120, 40);
    await new Promise((r) => setTimeout(r, 300));
    t.p.write('stty size\r');
    await t.until(/40 120/);
    t.p.write('exit\r');
    expect(await t.exited).toBe(0);

    const listed = await waitForRecording(alice, ptySid);
    expect(listed).toMatchObject({ event: 'session.end', participants: ['alice'], server_hostname: 'node-1', interactive: true, proto: 'ssh' });
    const text = await alice.tsh(['play', '--format=text', ptySid]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/echo rec-\$\(\(6\*7\)\)\nrec-42\n/);
    expect(text.out).toMatch(/stty size\n40 120\n/);
    expect(text.out).not.toContain('\x1b');
  });

  it('plays it on a terminal (bin/tsh in a pseudo-terminal), resized as the session was', async () => {
    const t = alice.spawn(['play', '--speed=8x', '--skip-idle-time', ptySid], { cols: 100, rows: 30 });
    expect(await t.exited).toBe(0);
    expect(t.output()).toContain('\x1b[8;30;100t');
    expect(t.output()).toContain('\x1b[8;40;120t');
    expect(t.output()).toMatch(/[\r\n]rec-42\r/);
  });

  it('lists recordings in Teleport\'s table', async () => {
    const r = await alice.tsh(['recordings', 'ls']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^ID +Type +Participants +Hostname +Timestamp +$/);
    expect(lines[1]).toMatch(/^-+ +-+ +-+ +-+ +-+ *$/);
    expect(r.out).toMatch(new RegExp(`^${ptySid} +ssh +alice +node-1 +[A-Z][a-z]{2} \\d{1,2} \\d{4} \\d{2}:\\d{2}:\\d{2} UTC *$`, 'm'));
    // tsh recording ls is the same command.
    expect((await alice.tsh(['recording', 'ls'])).out).toContain(ptySid);
  });

  it('exports the events as JSON and asciicast v2', async () => {
    const j = await alice.tsh(['play', '-f', 'json', ptySid]);
    expect(j.code).toBe(0);
    const events = JSON.parse(j.out) as RecordingEvent[];
    expect(events[0]).toMatchObject({ event: 'session.start', code: 'T2000I', sid: ptySid, user: 'alice', login: me, size: '100:30', ei: 0 });
    expect(events.find((e) => e.event === 'resize')).toMatchObject({ code: 'T2002I', size: '120:40' });
    expect(events.at(-1)).toMatchObject({ event: 'session.end', code: 'T2004I', participants: ['alice'] });
    expect(events.map((e) => e.ei)).toEqual(events.map((_, i) => i));
    const prints = events.filter((e) => e.event === 'print');
    expect(prints.every((p, i) => i === 0 || (p.offset! >= prints[i - 1].offset! && p.ms >= prints[i - 1].ms))).toBe(true);
    expect(printed(events)).toContain('rec-42');

    const a = await alice.tsh(['play', '--format=asciicast', ptySid]);
    expect(a.code).toBe(0);
    const lines = a.out.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines[0]).toMatchObject({ version: 2, width: 100, height: 30 });
    const frames = lines.slice(1) as [number, string, string][];
    expect(frames.some(([, type, data]) => type === 'r' && data === '120x40')).toBe(true);
    expect(frames.filter(([, type]) => type === 'o').map(([, , d]) => d).join('')).toContain('rec-42');
    expect(frames.every(([time], i) => i === 0 || time >= frames[i - 1][0])).toBe(true);
  });

  it('records exec sessions, their stderr and exit status', async () => {
    const before = await listedSessions(alice);
    const r = await alice.tsh(['ssh', '-l', me, 'node-1', 'echo exec-out; echo exec-err >&2; exit 3']);
    expect(r.code).toBe(3);
    const found = await waitForNewRecording(alice, before);
    expect(found).toMatchObject({ initial_command: ['echo exec-out; echo exec-err >&2; exit 3'], interactive: false });
    execSid = String(found.sid);
    const text = await alice.tsh(['play', '-f', 'text', execSid]);
    expect(text.out).toContain('exec-out\n');
    expect(text.out).toContain('exec-err\n');
    const events = JSON.parse((await alice.tsh(['play', '-f', 'json', execSid])).out) as RecordingEvent[];
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['session.start', 'print', 'exec', 'session.end']));
    expect(events.find((e) => e.event === 'exec')).toMatchObject({ code: 'T3002E', exitCode: '3', command: 'echo exec-out; echo exec-err >&2; exit 3' });
  });

  it("lets only participants (access preset) and auditors list and play a recording", async () => {
    const bobList = await bob.tsh(['recordings', 'ls', '-f', 'json']);
    expect(bobList.code).toBe(0);
    expect(bobList.out).not.toContain(ptySid);
    const bobPlay = await bob.tsh(['play', '-f', 'text', ptySid]);
    expect(bobPlay.code).toBe(1);
    expect(bobPlay.err).toMatch(/^ERROR: access denied to perform action "read" on "session"/);

    const daveList = await dave.tsh(['recordings', 'ls']);
    expect(daveList.code).toBe(0);
    expect(daveList.out).not.toContain(ptySid);
    expect((await dave.tsh(['play', '-f', 'json', execSid])).err).toMatch(/access denied/);

    const carolList = await carol.tsh(['recordings', 'ls', '-f', 'json']);
    expect(carolList.out).toContain(ptySid);
    expect(carolList.out).toContain(execSid);
    const carolPlay = await carol.tsh(['play', '-f', 'text', ptySid]);
    expect(carolPlay).toMatchObject({ code: 0 });
    expect(carolPlay.out).toContain('rec-42');

    // Bob's own session is his to list and play.
    const own = await bob.tsh(['ssh', '-l', me, 'node-1', 'echo bobs-own']);
    expect(own.code).toBe(0);
    const mine = await waitForNewRecording(bob, new Set());
    expect(await listedSessions(bob)).toEqual(new Set([mine.sid]));
    expect((await bob.tsh(['play', '-f', 'text', String(mine.sid)])).out).toContain('bobs-own');
  });

  it('explains unknown and malformed session IDs', async () => {
    const unknown = await alice.tsh(['play', '00000000-0000-4000-8000-000000000000']);
    expect(unknown).toMatchObject({ code: 1, err: 'ERROR: Recording for session 00000000-0000-4000-8000-000000000000 not found.\n' });
    const bad = await alice.tsh(['play', '-f', 'json', 'not-a-session']);
    expect(bad).toMatchObject({ code: 1, err: "ERROR: 'not-a-session' is not a valid session ID (must be GUID)\n" });
  });
});
