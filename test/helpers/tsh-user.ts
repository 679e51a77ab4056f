/**
 * A Teleport user driven through tsh in-process: created by the admin, invited, with a password and
 * a TOTP device, logged in with `tsh login` into its own TELEPORT_HOME. `tsh(argv)` runs tsh as
 * that user and returns exit code and output.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthClient } from '../../src/api/client/index.js';
import type { Node } from '../../src/api/types/node.js';
import { totpCode } from '../../src/auth/totp.js';
import { captureIO } from '../../src/cli/framework/index.js';
import { runTsh } from '../../src/cli/tsh/run.js';
import type { TshSystem } from '../../src/cli/tsh/tsh-context.js';
import type { TestCluster } from './cluster.js';

export const PASSWORD = 'a long enough password';

/** One tsh run's outcome. */
export interface TshRun {
  code: number;
  out: string;
  err: string;
}

/** Options of one tsh run. */
export interface TshRunOptions {
  stdin?: string;
  env?: Record<string, string>;
  sys?: TshSystem;
  cwd?: string;
  /** Pretend stdout is a terminal of this many columns. */
  columns?: number;
  /** Watch stderr as it is written (for a port the command prints). */
  onStderr?: (all: string) => void;
}

/** A user with a tsh home. */
export interface TshUser {
  name: string;
  home: string;
  tsh(argv: string[], opts?: TshRunOptions): Promise<TshRun>;
  cleanup(): Promise<void>;
}

/** Run tsh in-process with `home` as TELEPORT_HOME. */
export async function runTshIn(home: string, argv: string[], opts: TshRunOptions = {}): Promise<TshRun> {
  const c = captureIO({
    stdin: opts.stdin ?? '',
    env: { TELEPORT_HOME: home, ...opts.env },
    homeDir: home,
    ...(opts.cwd && { cwd: opts.cwd }),
    ...(opts.columns && { tty: { columns: opts.columns } }),
  });
  if (opts.onStderr) {
    const write = c.io.stderr.write.bind(c.io.stderr);
    c.io.stderr.write = (s: string) => {
      write(s);
      opts.onStderr!(c.err());
    };
  }
  const code = await runTsh(argv, c.io, opts.sys ?? {});
  return { code, out: c.out(), err: c.err() };
}

/** Create `name` with `roles` and `logins`, then `tsh login` as them. */
export async function loginUser(c: TestCluster, name: string, roles: string[], logins: string[]): Promise<TshUser> {
  const admin = await c.admin();
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name }, spec: { roles, traits: { logins } } });
  const invite = await admin.createUserToken(name, { type: 'invite' });
  const anon = new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, caPems: (await admin.ping()).host_ca_certs });
  const secret = (await anon.totpRegistration(invite.token)).secret;
  await anon.completeUserToken({ token: invite.token, password: PASSWORD, otp_code: totpCode(secret, Date.now()) });
  const home = await mkdtemp(join(tmpdir(), `tsh-${name}-`));
  // The next period's code: the one used for the invite may not be used twice.
  const r = await runTshIn(home, ['login', `--proxy=${c.webAddr}`, `--user=${name}`, '--insecure'], {
    stdin: `${PASSWORD}\n${totpCode(secret, Date.now() + 30_000)}\n`,
  });
  if (r.code !== 0) throw new Error(`tsh login as ${name} failed: ${r.err}`);
  return {
    name,
    home,
    tsh: (argv, opts) => runTshIn(home, argv, opts),
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
}

/** Wait until the cluster lists nodes with all of `hostnames`. */
export async function waitForNodes(c: TestCluster, hostnames: string[], timeoutMs = 20_000): Promise<Node[]> {
  const admin = await c.admin();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const nodes = await admin.listNodes<Node>();
    const have = new Set(nodes.map((n) => n.spec.hostname));
    if (hostnames.every((h) => have.has(h))) return nodes;
    if (Date.now() > deadline) throw new Error(`nodes ${hostnames.join(', ')} did not register (have ${[...have].join(', ')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
