// An interactive `tsh ssh` as a person runs it: bin/tsh in a real pseudo-terminal (node-pty), a
// shell on the node with the terminal's type and size, window size changes passed on, the
// shell's exit status as tsh's, and expired credentials refused with the way out.
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { loginUser, type TshUser } from './helpers/tsh-user.js';

const me = userInfo().username;
const TSH = resolve('bin/tsh');

describe.skipIf(!existsSync(TSH))('interactive tsh ssh', () => {
  let c: TestCluster;
  let alice: TshUser;

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'pty.test', nodename: 'node-1', ssh: 'labels: {env: test}' });
    alice = await loginUser(c, 'alice', ['access'], [me]);
  }, 120_000);
  afterAll(async () => {
    await alice?.cleanup();
    await c?.close();
  });

  /** bin/tsh in a pty; `until` waits for output matching a pattern. */
  function spawnTsh(args: string[]) {
    const p = pty.spawn(process.execPath, [TSH, ...args], {
      name: 'xterm-256color',
      cols: 100,
      rows: 30,
      env: { ...process.env, TELEPORT_HOME: alice.home, TERM: 'xterm-256color' } as Record<string, string>,
    });
    let out = '';
    const waiters: (() => void)[] = [];
    p.onData((d) => {
      out += d;
      waiters.splice(0).forEach((w) => w());
    });
    const exited = new Promise<number>((r) => p.onExit((e) => r(e.exitCode)));
    return {
      p,
      exited,
      output: () => out,
      async until(re: RegExp, timeoutMs = 15_000): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        while (!re.test(out)) {
          if (Date.now() > deadline) throw new Error(`no ${re} in output: ${JSON.stringify(out.slice(-500))}`);
          await new Promise<void>((r) => {
            waiters.push(r);
            setTimeout(r, 100);
          });
        }
      },
    };
  }

  it('opens a shell with a PTY of the terminal size, follows resizes, exits with the shell status', async () => {
    const t = spawnTsh(['ssh', '-l', me, 'node-1']);
    t.p.write('stty size; echo "term=$TERM tty=$(tty)"\r');
    await t.until(/30 100\r*\n/);
    await t.until(/term=xterm-256color tty=\/dev\/pts\/\d+/);
    t.p.resize(120, 40);
    // The resize travels as a window-change; give it a moment before asking again.
    await new Promise((r) => setTimeout(r, 300));
    t.p.write('stty size\r');
    await t.until(/40 120\r*\n/);
    t.p.write('exit 7\r');
    expect(await t.exited).toBe(7);
  });

  it('runs a command with -t on a PTY, and without one by default', async () => {
    const withTty = spawnTsh(['ssh', '-t', '-l', me, 'node-1', 'tty']);
    expect(await withTty.exited).toBe(0);
    expect(withTty.output()).toMatch(/\/dev\/pts\/\d+/);
    const without = spawnTsh(['ssh', '-l', me, 'node-1', 'tty; true']);
    expect(await without.exited).toBe(0);
    expect(without.output()).toMatch(/not a tty/);
  });

  it('refuses an expired certificate with the way out', async () => {
    const r = await alice.tsh(['ls'], { sys: { now: () => Date.now() + 24 * 3600_000 } });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ERROR: the certificate of alice from profile 127\.0\.0\.1 expired at .*; log in again: tsh login --proxy=127\.0\.0\.1:\d+\n$/);
  });
});
