// The node's sessions driven by the machine's OpenSSH client: exec with exit codes and stdin EOF,
// the environment Teleport sets, env requests, PTY shells with resize, signals, the unknown-login
// message, and the session start/end hook. Sessions run as a dedicated non-root OS user.
import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, verifyCertificate } from '../sshca/index.js';
import { connectSSH } from '../sshutils/index.js';
import type { SessionEvent } from './session-events.js';
import { TEST_LOGIN, ensureTestUser, runSSH, startTestNode, userCert, waitFor, type TestNode } from './testing/fixtures.js';

const skip = ensureTestUser();
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.skipIf(skip !== undefined)('node sessions with the OpenSSH client', () => {
  let t: TestNode;
  let id: string;
  const events: SessionEvent[] = [];

  beforeAll(async () => {
    t = await startTestNode({ events });
    id = await t.identity();
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('runs exec as the login OS user with its exit status and stderr', async () => {
    const r = await runSSH([...t.args(id), 'id -un; id -G; pwd; echo oops >&2; exit 3']);
    expect(r.code).toBe(3);
    const [name, groups, cwd] = r.stdout.trim().split('\n');
    expect(name).toBe(TEST_LOGIN);
    expect(groups.split(' ')).not.toContain('0');
    expect(cwd).toBe(`/home/${TEST_LOGIN}`);
    expect(r.stderr).toContain('oops');
  });

  it('delivers stdin and its EOF to the command', async () => {
    const r = await runSSH([...t.args(id), 'wc -c'], { input: 'hello' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('5');
  });

  it('sets the environment Teleport sets', async () => {
    const r = await runSSH([...t.args(id), 'env']);
    expect(r.code).toBe(0);
    const env = Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(env).toMatchObject({
      HOME: `/home/${TEST_LOGIN}`,
      USER: TEST_LOGIN,
      LOGNAME: TEST_LOGIN,
      SHELL: '/bin/bash',
      SSH_TELEPORT_USER: 'alice',
      SSH_TELEPORT_HOST_UUID: 'node-uuid',
      SSH_TELEPORT_CLUSTER_NAME: 'test.cluster',
    });
    expect(env.SSH_SESSION_ID).toMatch(UUID_V4);
    expect(env.SSH_CLIENT).toMatch(new RegExp(`^127\\.0\\.0\\.1 \\d+ ${t.port}$`));
    expect(env.SSH_CONNECTION).toMatch(new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${t.port}$`));
    expect(env.PATH).toContain('/usr/bin');
    expect(env.SSH_TTY).toBeUndefined();
  });

  it('accepts locale env requests, refuses others without permit_user_env', async () => {
    const r = await runSSH(['-o', 'SetEnv=LC_ALL=C FOO=bar LD_PRELOAD=/x.so', ...t.args(id), 'echo "$LC_ALL|${FOO-unset}|${LD_PRELOAD-unset}"']);
    expect(r.stdout.trim()).toBe('C|unset|unset');
  });

  it('accepts other env requests and ~/.tsh/environment with permit_user_env, never loader variables', async () => {
    const u = await startTestNode({ config: { permitUserEnv: true } });
    try {
      const uid = await runSSH([...u.args(await u.identity()), 'mkdir -p ~/.tsh && printf "# c\\nFROMFILE=yes\\nLD_PRELOAD=/y.so\\n" > ~/.tsh/environment']);
      expect(uid.code).toBe(0);
      const r = await runSSH(['-o', 'SetEnv=FOO=bar LD_PRELOAD=/x.so', ...u.args(await u.identity()), 'echo "${FOO-unset}|${FROMFILE-unset}|${LD_PRELOAD-unset}"']);
      expect(r.stdout.trim()).toBe('bar|yes|unset');
    } finally {
      await runSSH([...u.args(await u.identity()), 'rm -rf ~/.tsh']);
      await u.cleanup();
    }
  });

  it('gives ssh -tt a terminal with TERM, size and SSH_TTY from the pty request', async () => {
    const term = pty.spawn('ssh', ['-F', 'none', '-o', 'BatchMode=yes', '-tt', ...t.args(id), 'tty; echo "T=$TERM S=$SSH_TTY"; stty size'], {
      name: 'xterm-256color',
      cols: 101,
      rows: 33,
      env: { ...process.env, TERM: 'xterm-256color' } as Record<string, string>,
    });
    let out = '';
    term.onData((d) => (out += d));
    const code = await new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    expect(code).toBe(0);
    const lines = out.replace(/\r/g, '').trim().split('\n');
    expect(lines[0]).toMatch(/^\/dev\/pts\/\d+$/);
    expect(lines[1]).toBe(`T=xterm-256color S=${lines[0]}`);
    expect(lines[2]).toBe('33 101');
  });

  it('runs an interactive login shell and resizes it on window-change', async () => {
    const term = pty.spawn('ssh', ['-F', 'none', '-o', 'BatchMode=yes', '-tt', ...t.args(id)], {
      name: 'xterm',
      cols: 80,
      rows: 24,
      env: { ...process.env, TERM: 'xterm' } as Record<string, string>,
    });
    let out = '';
    term.onData((d) => (out += d));
    const exited = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    // Typeahead sent before bash's readline is up may be dropped: wait for the prompt.
    await waitFor(() => out.includes('$ '));
    term.write('echo "SIZE=$(stty size) LOGIN=$0"\r');
    await waitFor(() => /SIZE=24 80 LOGIN=-?\S*bash/.test(out)).catch((e) => { throw new Error(JSON.stringify(out), { cause: e }); });
    term.resize(120, 40);
    await new Promise((r) => setTimeout(r, 200));
    term.write('echo "SIZE=$(stty size)"\r');
    await waitFor(() => out.includes('SIZE=40 120'));
    term.write('exit 4\r');
    expect(await exited).toBe(4);
  });

  it('relays signals to the command and reports exit-signal', async () => {
    const key = generateKeyPair('ed25519');
    const cert = userCert(t.userCA, key.publicKey);
    const c = await connectSSH({
      host: '127.0.0.1',
      port: t.port,
      username: TEST_LOGIN,
      privateKey: key.privateKey,
      cert: cert.blob,
      verifyHostKey: (k) => {
        if (!k.cert) return false;
        verifyCertificate(k.cert, { trustedCAs: [t.hostCA.blob], now: Date.now(), type: 'host', principal: '127.0.0.1' });
        return true;
      },
    });
    try {
      const p = await c.exec('echo ready; exec sleep 30');
      await new Promise<void>((resolve) => p.stdout.once('data', () => resolve()));
      p.stdout.resume();
      p.stderr.resume();
      p.signal('TERM');
      expect(await p.exit).toMatchObject({ signal: 'TERM' });
      const q = await c.exec('kill -USR1 $$');
      q.stdout.resume();
      q.stderr.resume();
      expect(await q.exit).toMatchObject({ signal: 'USR1' });
    } finally {
      c.close();
    }
  });

  it('tells the client when the login has no OS account', async () => {
    const nobody = await t.identity({ principals: ['nosuchuser1'] });
    const r = await runSSH([...t.args(nobody, 'nosuchuser1'), 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('Failed to launch: user: unknown user nosuchuser1.');
  });

  it('reports session start and end with one uuid session ID', async () => {
    events.length = 0;
    const r = await runSSH([...t.args(id), 'exit 5']);
    expect(r.code).toBe(5);
    await waitFor(() => events.length === 2);
    const [start, end] = events;
    expect(start).toMatchObject({ type: 'session.start', kind: 'exec', command: 'exit 5', user: 'alice', login: TEST_LOGIN, tty: false, serverId: 'node-uuid' });
    expect(end).toMatchObject({ type: 'session.end', sessionId: start.sessionId, exit: { code: 5 } });
    expect(start.sessionId).toMatch(UUID_V4);
  });
});
