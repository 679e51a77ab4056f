// Connection monitoring on a fake clock: client_idle_timeout closes a quiet connection, and
// disconnect_expired_cert (auth preference or role option) closes it when the certificate
// expires, each telling the client why; without them the connection stays.
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { newRole, validateAuthPreference, validateNetworkingConfig } from '../api/types/index.js';
import { TEST_LOGIN, ensureTestUser, startTestNode, waitFor, type TestNode } from './testing/fixtures.js';

const skip = ensureTestUser();
const MINUTE = 60_000;
const nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.cleanup()));
});

/** A long-running `ssh ... sleep 30`: its exit and output. */
function longSession(n: TestNode, identity: string) {
  const child = spawn('ssh', ['-F', 'none', '-o', 'BatchMode=yes', ...n.args(identity), 'echo started; sleep 30'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exit, out: () => out, err: () => err };
}

describe.skipIf(skip !== undefined)('connection monitor', () => {
  it('closes a connection idle for client_idle_timeout and says why', async () => {
    const clock = new FakeClock(Date.now());
    const n = await startTestNode({ clock });
    nodes.push(n);
    n.access.addRole(newRole('idle', { options: { client_idle_timeout: '1m' }, allow: { logins: [TEST_LOGIN], node_labels: { '*': '*' } } }));
    const s = longSession(n, await n.identity({ roles: ['access', 'idle'] }));
    await waitFor(() => s.out().includes('started'));
    // Activity is sampled on ticks: let the session's last packets be seen before moving time.
    await new Promise((r) => setTimeout(r, 300));
    clock.advance(MINUTE - 1000);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.child.exitCode).toBeNull();
    // A full timeout more, in case late packets were counted as activity after the first jump.
    clock.advance(MINUTE + 1000);
    expect(await s.exit).toBe(255);
    expect(s.err()).toContain('Client exceeded idle timeout of 1m0s');
  });

  it.each([
    ['the auth preference', (n: TestNode) => (n.access.authPref = validateAuthPreference({ kind: 'cluster_auth_preference', version: 'v2', spec: { type: 'local', disconnect_expired_cert: true } })), ['access']],
    ['a role option', (n: TestNode) => n.access.addRole(newRole('strict', { options: { disconnect_expired_cert: true } })), ['access', 'strict']],
  ])('closes the connection when the certificate expires, asked by %s', async (_by, setup, roles) => {
    const clock = new FakeClock(Date.now());
    const n = await startTestNode({ clock });
    nodes.push(n);
    setup(n);
    const s = longSession(n, await n.identity({ roles, validBefore: new Date(Date.now() + 5 * MINUTE) }));
    await waitFor(() => s.out().includes('started'));
    clock.advance(4 * MINUTE);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.child.exitCode).toBeNull();
    clock.advance(2 * MINUTE);
    expect(await s.exit).toBe(255);
    expect(s.err()).toContain('client certificate expired at');
  });

  it('keeps a connection whose certificate expires when nothing asks to disconnect', async () => {
    const clock = new FakeClock(Date.now());
    const n = await startTestNode({ clock });
    nodes.push(n);
    const s = longSession(n, await n.identity({ validBefore: new Date(Date.now() + 5 * MINUTE) }));
    await waitFor(() => s.out().includes('started'));
    clock.advance(60 * MINUTE);
    await new Promise((r) => setTimeout(r, 500));
    expect(s.child.exitCode).toBeNull();
    s.child.kill();
  });

  const networking = (spec: Record<string, unknown>) => validateNetworkingConfig({ kind: 'cluster_networking_config', version: 'v2', spec });
  const pause = (ms = 300) => new Promise((r) => setTimeout(r, ms));

  it('closes an idle connection at the cluster client_idle_timeout with its idle_timeout_message', async () => {
    const clock = new FakeClock(Date.now());
    const n = await startTestNode({ clock });
    nodes.push(n);
    n.access.networking = networking({ client_idle_timeout: '2m', idle_timeout_message: 'Idle for too long: reconnect when you are back' });
    const s = longSession(n, await n.identity());
    await waitFor(() => s.out().includes('started'));
    await pause();
    clock.advance(MINUTE);
    await pause();
    expect(s.child.exitCode).toBeNull();
    clock.advance(2 * MINUTE);
    expect(await s.exit).toBe(255);
    expect(s.err()).toContain('Idle for too long: reconnect when you are back');
  });

  it('takes the shorter of the role option and the cluster client_idle_timeout', async () => {
    const clock = new FakeClock(Date.now());
    const n = await startTestNode({ clock });
    nodes.push(n);
    n.access.networking = networking({ client_idle_timeout: '1h' });
    n.access.addRole(newRole('idle', { options: { client_idle_timeout: '1m' }, allow: { logins: [TEST_LOGIN], node_labels: { '*': '*' } } }));
    const s = longSession(n, await n.identity({ roles: ['access', 'idle'] }));
    await waitFor(() => s.out().includes('started'));
    await pause();
    clock.advance(2 * MINUTE);
    expect(await s.exit).toBe(255);
    expect(s.err()).toContain('Client exceeded idle timeout of 1m0s');
  });

  it('disconnects a client that stops answering keep-alives after keep_alive_count_max of them', async () => {
    const clock = new FakeClock(Date.now());
    const logFile = join(tmpdir(), `node-monitor-${process.pid}-${Date.now()}.log`);
    const n = await startTestNode({ clock, logFile });
    nodes.push(n);
    n.access.networking = networking({ keep_alive_interval: '1m', keep_alive_count_max: 2 });
    const s = longSession(n, await n.identity());
    await waitFor(() => s.out().includes('started'));
    await pause();
    // A live client answers each keep-alive and stays, however long it is quiet.
    for (let i = 0; i < 5; i++) {
      clock.advance(MINUTE);
      await pause();
    }
    expect(s.child.exitCode).toBeNull();
    // A frozen client answers nothing: two unanswered keep-alives, then the third interval ends it.
    s.child.kill('SIGSTOP');
    try {
      for (let i = 0; i < 3; i++) {
        clock.advance(MINUTE);
        await pause();
      }
    } finally {
      s.child.kill('SIGCONT');
    }
    expect(await s.exit).toBe(255);
    await waitFor(async () => (await readFile(logFile, 'utf8')).includes('client did not answer 2 keep-alives sent 1m0s apart'));
    await rm(logFile, { force: true });
  });

  it('does not count answers to keep-alives as activity for the idle timeout', async () => {
    const clock = new FakeClock(Date.now());
    const n = await startTestNode({ clock });
    nodes.push(n);
    n.access.networking = networking({ keep_alive_interval: '1m', client_idle_timeout: '4m' });
    const s = longSession(n, await n.identity());
    await waitFor(() => s.out().includes('started'));
    await pause();
    for (let i = 0; i < 3; i++) {
      clock.advance(MINUTE);
      await pause();
    }
    expect(s.child.exitCode).toBeNull();
    clock.advance(MINUTE + 1000);
    expect(await s.exit).toBe(255);
    expect(s.err()).toContain('Client exceeded idle timeout of 4m0s');
  });
});
