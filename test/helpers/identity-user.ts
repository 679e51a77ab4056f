/**
 * A Teleport user driven through tsh with an identity file from `tctl auth sign` (no password or
 * TOTP: quick to make), and bin/tsh in a real pseudo-terminal for interactive sessions.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pty from 'node-pty';
import { captureIO } from '../../src/cli/framework/index.js';
import { runTctl } from '../../src/cli/tctl/run.js';
import type { TestCluster } from './cluster.js';
import { runTshIn, type TshRun, type TshRunOptions } from './tsh-user.js';

const TSH = resolve('bin/tsh');

/** A user with an identity file. `tsh(argv)` runs `tsh -i <file> --proxy=<web> --insecure <argv>` in-process. */
export interface IdentityUser {
  name: string;
  identity: string;
  home: string;
  tsh(argv: string[], opts?: TshRunOptions): Promise<TshRun>;
  /** bin/tsh with the same flags in a pseudo-terminal of cols x rows. */
  spawn(argv: string[], size?: { cols: number; rows: number }): PtyRun;
  cleanup(): Promise<void>;
}

/** A program in a pseudo-terminal, with its output so far and a wait for patterns. */
export interface PtyRun {
  p: pty.IPty;
  exited: Promise<number>;
  output(): string;
  until(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/** Creates `name` with `roles` and `logins` and signs an identity file for it. */
export async function identityUser(c: TestCluster, name: string, roles: string[], logins: string[]): Promise<IdentityUser> {
  const admin = await c.admin();
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name }, spec: { roles, traits: { logins } } });
  const home = await mkdtemp(join(tmpdir(), `tsh-${name}-`));
  const identity = join(home, `${name}.pem`);
  const t = captureIO({ env: {}, cwd: home });
  const code = await runTctl(['auth', 'sign', `--user=${name}`, `--out=${identity}`, '-c', c.configPath], t.io);
  if (code !== 0) throw new Error(`tctl auth sign --user=${name} failed: ${t.err()}`);
  const flags = ['-i', identity, `--proxy=${c.webAddr}`, '--insecure'];
  return {
    name,
    identity,
    home,
    tsh: (argv, opts) => runTshIn(home, [...flags, ...argv], opts),
    spawn: (argv, size = { cols: 100, rows: 30 }) =>
      spawnInPty(process.execPath, [TSH, ...flags, ...argv], { ...size, env: { ...process.env, TELEPORT_HOME: home, TERM: 'xterm-256color' } as Record<string, string> }),
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
}

/** Spawns `file args` in a pseudo-terminal. */
export function spawnInPty(file: string, args: string[], opts: { cols: number; rows: number; env: Record<string, string> }): PtyRun {
  const p = pty.spawn(file, args, { name: 'xterm-256color', cols: opts.cols, rows: opts.rows, env: opts.env });
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
    async until(re, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`no ${re} in output: ${JSON.stringify(out.slice(-500))}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
  };
}
