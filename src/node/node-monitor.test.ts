// Connection monitoring on a fake clock: client_idle_timeout closes a quiet connection, and
// disconnect_expired_cert (auth preference or role option) closes it when the certificate
// expires, each telling the client why; without them the connection stays.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { newRole, validateAuthPreference } from '../api/types/index.js';
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
});
