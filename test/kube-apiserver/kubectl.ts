/**
 * Running the real kubectl (/usr/bin/kubectl) from tests: to completion with optional stdin, in the
 * background (port-forward, logs -f, attach, get -w) or in a pseudo-terminal for `exec -it`. Each call
 * gets KUBECONFIG and a HOME of the test's choosing (kubectl caches discovery under ~/.kube/cache).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import pty from 'node-pty';

/** The kubectl binary the tests drive. */
export const KUBECTL = '/usr/bin/kubectl';

/** Where kubectl reads its config and caches. */
export interface KubectlEnv {
  kubeconfig: string;
  home: string;
  /** More environment (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false and the like). */
  env?: Record<string, string>;
}

/** A finished kubectl. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

function environment(e: KubectlEnv): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: e.home, KUBECONFIG: e.kubeconfig, ...e.env };
}

/** Runs kubectl to completion (killed after `timeoutMs`), feeding `input` on stdin. */
export function kubectl(e: KubectlEnv, args: string[], o: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const c = spawn(KUBECTL, args, { env: environment(e), timeout: o.timeoutMs ?? 20_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    c.stdout.on('data', (d: Buffer) => out.push(d));
    c.stderr.on('data', (d: Buffer) => err.push(d));
    c.on('error', reject);
    c.on('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : 0), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    c.stdin.on('error', () => undefined);
    c.stdin.end(o.input ?? '');
  });
}

/** Waits until `read()` matches `re`, polling on `onData` notifications. */
async function until(read: () => string, waiters: (() => void)[], re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(read());
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no ${re} in kubectl output: ${JSON.stringify(read().slice(-800))}`);
    await new Promise<void>((r) => {
      waiters.push(r);
      setTimeout(r, 100);
    });
  }
}

/** A kubectl left running: its output so far, a wait for a pattern, its exit. */
export interface RunningKubectl {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  until(re: RegExp, o?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number }): Promise<RegExpExecArray>;
  exited: Promise<number>;
  stop(): Promise<number>;
}

/** Starts kubectl in the background with pipes. */
export function kubectlBackground(e: KubectlEnv, args: string[]): RunningKubectl {
  const child = spawn(KUBECTL, args, { env: environment(e) });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    waiters.splice(0).forEach((w) => w());
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    waiters.splice(0).forEach((w) => w());
  });
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number>((r) => child.on('close', (code, signal) => r(code ?? (signal ? -1 : 0))));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    until: (re, o = {}) => until(() => (o.stream === 'stderr' ? err : out), waiters, re, o.timeoutMs ?? 15_000),
    exited,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** kubectl in a pseudo-terminal of `cols` x `rows` (what `exec -it` and `attach -it` need). */
export function kubectlPty(e: KubectlEnv, args: string[], size = { cols: 100, rows: 30 }) {
  const p = pty.spawn(KUBECTL, args, { name: 'xterm', cols: size.cols, rows: size.rows, env: { ...environment(e), TERM: 'xterm' } });
  let out = '';
  const waiters: (() => void)[] = [];
  p.onData((d) => {
    out += d;
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise<number>((r) => p.onExit((x) => r(x.exitCode)));
  return {
    pty: p,
    output: () => out,
    until: (re: RegExp, timeoutMs = 15_000) => until(() => out, waiters, re, timeoutMs),
    exited,
  };
}
