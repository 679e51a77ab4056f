// Running the benchmark's commands: spawn one to completion and time it, start long-lived servers
// that are killed on exit (also on Ctrl-C or a crash), pick free loopback ports, take medians.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Servers started by `startServer`, killed by `stopAll` (and on exit). */
const servers = new Set();

/**
 * Runs `cmd args` to completion; resolves {code, ms, stdout, stderr}. With `discardStdout` the
 * child writes straight to /dev/null (as `> /dev/null` does), so no byte passes through us.
 * `input` is written to its stdin (otherwise stdin is /dev/null).
 * Rejects on a non-zero exit unless `allowFailure`.
 */
export async function run(cmd, args, { discardStdout = false, env, input, timeoutMs = 600_000, allowFailure = false } = {}) {
  const devNull = discardStdout ? openSync('/dev/null', 'w') : undefined;
  const started = process.hrtime.bigint();
  const stdin = input === undefined ? 'ignore' : 'pipe';
  const child = spawn(cmd, args, { stdio: [stdin, devNull ?? 'pipe', 'pipe'], env });
  if (devNull !== undefined) closeSync(devNull);
  child.stdin?.end(input);
  const out = [];
  const err = [];
  child.stdout?.on('data', (b) => out.push(b));
  child.stderr.on('data', (b) => err.push(b));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve([c, s]));
  }).finally(() => clearTimeout(timer));
  const result = {
    code,
    ms: Number(process.hrtime.bigint() - started) / 1e6,
    stdout: Buffer.concat(out).toString(),
    stderr: Buffer.concat(err).toString(),
  };
  if (code !== 0 && !allowFailure) {
    const why = signal ? `signal ${signal}` : `exit ${code}`;
    throw new Error(`${cmd} ${args.join(' ')}: ${why}\n${result.stderr.slice(-2000)}`);
  }
  return result;
}

/**
 * Starts a long-lived server with stdout and stderr appended to `logFile`; returns the child.
 * It is killed by `stopServer`/`stopAll`, or when this script exits.
 */
export function startServer(cmd, args, { logFile, env } = {}) {
  const log = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', log, log], env });
  closeSync(log);
  servers.add(child);
  child.on('exit', () => servers.delete(child));
  return child;
}

/** Stops a server with SIGTERM (SIGKILL after `graceMs`); resolves when it has exited. */
export async function stopServer(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every server still running. */
export async function stopAll() {
  await Promise.all([...servers].map((c) => stopServer(c)));
}

// A crash or Ctrl-C must not leave sshd or teleport behind.
process.on('exit', () => servers.forEach((c) => c.kill('SIGKILL')));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    servers.forEach((c) => c.kill('SIGKILL'));
    process.exit(130);
  });
}

/** A port free on 127.0.0.1 right now (for servers that cannot report what port 0 bound). */
export async function freePort() {
  const srv = createServer();
  await new Promise((resolve, reject) => srv.listen(0, '127.0.0.1', resolve).on('error', reject));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Waits until 127.0.0.1:port accepts connections; throws after `timeoutMs` or if `child` exits. */
export async function waitForPort(port, { child, timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.end(() => resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (child && child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before listening on ${port}`);
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Median of a non-empty list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux). With `children`, those
 * of its children that it has waited for instead (cutime + cstime), which include their own
 * reaped children: a client's ProxyJump ssh, an sshd's session processes, the shell and `head`.
 */
export function cpuSeconds(pid, { children = false } = {}) {
  // /proc/<pid>/stat: utime, stime, cutime, cstime are fields 14-17, in clock ticks (100 a second on
  // Linux). The command name in parentheses may contain spaces, so count from the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const at = children ? 13 : 11;
  return (Number(fields[at]) + Number(fields[at + 1])) / 100;
}

const CPUACCT = '/sys/fs/cgroup/cpuacct';

/**
 * A cgroup (v1 cpuacct) that counts the CPU of a command and of every process it starts, also
 * those it does not wait for (OpenSSH does not reap its ProxyCommand or ProxyJump ssh, so their CPU
 * never reaches our cutime). Undefined where cpuacct is not mounted writable.
 */
export function createCpuGroup(name) {
  const dir = `${CPUACCT}/${name}`;
  try {
    mkdirSync(dir);
    writeFileSync(`${dir}/cpuacct.usage`, '0');
  } catch {
    return undefined;
  }
  return {
    /** `[cmd, ...args]` that joins this group before running the command. */
    wrap: (argv) => ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir, ...argv],
    /** CPU seconds used in the group so far. */
    seconds: () => Number(readFileSync(`${dir}/cpuacct.usage`, 'utf8')) / 1e9,
    /** Removes the group once its processes (a ProxyCommand may linger a moment) have exited. */
    async remove() {
      for (let i = 0; i < 50; i++) {
        try {
          rmdirSync(dir);
          return;
        } catch {
          await sleep(100);
        }
      }
      process.stderr.write(`bench: could not remove cgroup ${dir}: a process is still inside\n`);
    },
  };
}

/**
 * Machine-readable results for bench/all.mjs: when the environment names a file in BENCH_JSON,
 * writes `data` there as JSON (the raw figures the bench printed its table from). A no-op otherwise.
 */
export async function writeJsonResults(data) {
  const file = process.env.BENCH_JSON;
  if (!file) return;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, JSON.stringify(data, null, 2));
}
