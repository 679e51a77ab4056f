// Joining a live SSH session against a real cluster, as people do it: alice runs `tsh ssh` in a
// pseudo-terminal; bob, whose role's join_sessions allows observing sessions of `access` users,
// runs `tsh join <sid>` in another one. Bob sees the screen so far and what alice types after, his
// keystrokes do not reach the shell, and his tsh ends with the session's exit status. An auditor
// (no join_sessions) is refused by the node with the reason, bob is refused as a peer, a user who
// cannot see the session is told it is not found; session.join/session.leave are audited and the
// tracker lists bob as an observer while he watches.
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/api/audit-wire.js';
import type { SessionTracker } from '../src/api/types/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { spawnInPty } from './helpers/identity-user.js';
import { loginUser, waitForNodes, type TshUser } from './helpers/tsh-user.js';

const me = userInfo().username;
const TSH = resolve('bin/tsh');

/** bin/tsh in a pty as `u`; `until` waits up to 60 s (a root login shell here can be slow under load). */
function spawnTsh(u: TshUser, args: string[]) {
  const run = spawnInPty(process.execPath, [TSH, ...args], {
    cols: 100,
    rows: 30,
    env: { ...process.env, TELEPORT_HOME: u.home, TERM: 'xterm-256color' } as Record<string, string>,
  });
  return { ...run, until: (re: RegExp, timeoutMs = 60_000) => run.until(re, timeoutMs) };
}

async function sessionsOf(u: TshUser): Promise<SessionTracker[]> {
  const r = await u.tsh(['sessions', 'ls', '--format=json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as SessionTracker[];
}

describe.skipIf(!existsSync(TSH))('tsh join', () => {
  let c: TestCluster;
  let alice: TshUser;
  let bob: TshUser;
  let carol: TshUser;
  let erin: TshUser;
  const started = new Date(Date.now() - 1000).toISOString();

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'join.test', nodename: 'node-1', ssh: 'labels: {env: test}' });
    await waitForNodes(c, ['node-1']);
    const admin = await c.admin();
    await admin.createResource({
      kind: 'role',
      version: 'v7',
      metadata: { name: 'session-observer' },
      spec: { allow: { join_sessions: [{ name: 'Observe access sessions', roles: ['access'], kinds: ['ssh'], modes: ['observer'] }] } },
    });
    alice = await loginUser(c, 'alice', ['access'], [me]);
    bob = await loginUser(c, 'bob', ['session-observer'], []);
    carol = await loginUser(c, 'carol', ['auditor'], []);
    erin = await loginUser(c, 'erin', ['access'], [me]);
  }, 120_000);
  afterAll(async () => {
    for (const u of [alice, bob, carol, erin]) await u?.cleanup();
    await c?.close();
  });

  it('lets an observer watch a running session without typing into it, refuses others with the reason, and audits the join', async () => {
    const owner = spawnTsh(alice, ['ssh', `${me}@node-1`]);
    owner.p.write('echo "ready-$((1+1))"\r');
    await owner.until(/ready-2/);
    await expect.poll(async () => (await sessionsOf(bob)).length, { timeout: 60_000 }).toBe(1);
    const sid = (await sessionsOf(bob))[0].spec.session_id;

    const observer = spawnTsh(bob, ['join', sid]);
    await observer.until(/Joining session with participant mode: observer/);
    // The screen so far arrives first: bob does not stare at a blank terminal.
    await observer.until(/ready-2/);
    await expect.poll(async () => (await sessionsOf(alice))[0]?.spec.participants.map((p) => `${p.user}:${p.mode}`), { timeout: 60_000 }).toEqual(['alice:peer', 'bob:observer']);

    owner.p.write('echo "after-$((2+3))"\r');
    await observer.until(/after-5/);

    // Bob's keystrokes never reach the shell.
    observer.p.write('touch /tmp/never; echo "bob-typed-$((4+4))"\r');
    owner.p.write('echo "marker-$((3+4))"\r');
    await owner.until(/marker-7/);
    await observer.until(/marker-7/);
    expect(owner.output()).not.toMatch(/bob-typed/);
    expect(observer.output()).not.toMatch(/bob-typed-8/);

    // An auditor sees the session but has no join_sessions: the node says why.
    const refused = await carol.tsh(['join', sid]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`insufficient permissions to join session ${sid}`);
    expect(refused.err).toContain('no allow.join_sessions rule of your roles covers ssh sessions of users with the roles access in mode observer');
    // Bob may observe, not type.
    const asPeer = await bob.tsh(['join', '--mode=peer', sid]);
    expect(asPeer.code).toBe(1);
    expect(asPeer.err).toContain('your roles allow joining it only as observer, not as peer');
    // Erin cannot even see it.
    const hidden = await erin.tsh(['join', sid]);
    expect(hidden.code).not.toBe(0);
    expect(hidden.err).toContain(`session "${sid}" not found or it has ended`);
    // The join principal opens no session of its own, and reaches nothing else.
    const ownSession = await bob.tsh(['ssh', '--login=-teleport-internal-join', 'node-1', 'echo hi']);
    expect(ownSession.code).toBe(1);
    expect(ownSession.err).toContain('join-only mode was used to create this connection but attempted to create a new session.');
    expect(ownSession.out).not.toContain('hi');
    const bad = await bob.tsh(['join', 'not-a-session']);
    expect(bad.err).toContain("'not-a-session' is not a valid session ID (must be GUID)");

    // The session's end ends the observer with its exit status.
    owner.p.write('exit 3\r');
    expect(await owner.exited).toBe(3);
    expect(await observer.exited).toBe(3);

    const admin = await c.admin();
    const events = async (): Promise<AuditEvent[]> => (await admin.searchEvents({ from: started, sid, limit: 100 })).events;
    await expect.poll(async () => (await events()).map((e) => e.event), { timeout: 60_000 }).toEqual(expect.arrayContaining(['session.join', 'session.leave', 'session.end']));
    const all = await events();
    const join = all.find((e) => e.event === 'session.join');
    expect(join).toMatchObject({ code: 'T2001I', sid, user: 'bob', login: '-teleport-internal-join', server_hostname: 'node-1', cluster_name: 'join.test' });
    expect(all.find((e) => e.event === 'session.leave')).toMatchObject({ code: 'T2003I', sid, user: 'bob' });
    expect(all.find((e) => e.event === 'session.end')).toMatchObject({ participants: ['alice', 'bob'] });
    // Refusals are not joins.
    expect(all.filter((e) => e.event === 'session.join')).toHaveLength(1);

    // The recording holds the join in order with the output (bob left only with the session's end), and
    // bob among the participants.
    let recorded: Record<string, unknown>[] = [];
    await expect
      .poll(
        async () => {
          const r = await alice.tsh(['play', '--format=json', sid]);
          recorded = r.code === 0 ? (JSON.parse(r.out) as Record<string, unknown>[]) : [];
          return recorded.map((e) => e.event).filter((e) => e !== 'print');
        },
        { timeout: 60_000 },
      )
      .toEqual(['session.start', 'session.join', 'session.end']);
    expect(recorded.find((e) => e.event === 'session.join')).toMatchObject({ code: 'T2001I', user: 'bob', sid });
    expect(recorded.at(-1)).toMatchObject({ event: 'session.end', participants: ['alice', 'bob'] });
  }, 240_000);

  it('lets a peer type into the session, and lets an observer leave with CTRL-C while it goes on', async () => {
    const admin = await c.admin();
    await admin.createResource({
      kind: 'role',
      version: 'v7',
      metadata: { name: 'session-peer' },
      spec: { allow: { join_sessions: [{ name: 'Pair', roles: ['acc*'], kinds: ['*'], modes: ['peer', 'observer'] }] } },
    });
    const dave = await loginUser(c, 'dave', ['session-peer'], []);
    try {
      const owner = spawnTsh(alice, ['ssh', `${me}@node-1`]);
      owner.p.write('echo "two-$((1+1))"\r');
      await owner.until(/two-2/);
      await expect.poll(async () => (await sessionsOf(dave)).length, { timeout: 60_000 }).toBe(1);
      const sid = (await sessionsOf(dave))[0].spec.session_id;
      const peer = spawnTsh(dave, ['join', '-m', 'peer', sid]);
      await peer.until(/participant mode: peer/);
      peer.p.write('echo "from-peer-$((5+5))"\r');
      await owner.until(/from-peer-10/);
      const watcher = spawnTsh(dave, ['join', sid]);
      await watcher.until(/participant mode: observer/);
      watcher.p.write('\x03');
      expect(await watcher.exited).toBe(0);
      owner.p.write('echo "still-$((6+6))"\r');
      await peer.until(/still-12/);
      owner.p.write('exit\r');
      expect(await owner.exited).toBe(0);
      expect(await peer.exited).toBe(0);
    } finally {
      await dave.cleanup();
    }
  }, 240_000);
});
