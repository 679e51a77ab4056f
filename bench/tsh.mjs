#!/usr/bin/env node
// How quick tsh is to start and to run a command: `tsh status` and `tsh ls` (goal: under 150 ms
// each) beside `ssh -V` and `node -e 0` (what starting OpenSSH and Node costs on this machine), and
// `tsh ssh node true` (goal: at most the time of OpenSSH's `ssh -J jump target true` through two
// sshd) beside that baseline. All rows are run in turns (A B C ... A B C) in the same run, so that
// the load of the machine falls on each alike; medians of wall time and of the client's CPU time.
// Sessions log in as a plain /bin/sh account on both sides (root's shell here runs pyenv).
//
//   node bench/tsh.mjs [--runs=15] [--login=tp-bench] [--keep]
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildDist, startOurCluster } from './cluster.mjs';
import { makeOpenSshKeys, openSshVersion, startOpenSshPair } from './openssh.mjs';
import { cpuSeconds, median, run, stopAll, writeJsonResults } from './run.mjs';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    login: { type: 'string', default: 'tp-bench' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/tsh.mjs [--runs=15] [--login=tp-bench] [--keep]\n');
  process.exit(0);
}
const RUNS = Number(opts.runs);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TSH = join(ROOT, 'bin', 'tsh');
const CIPHER = 'aes128-gcm@openssh.com';
const KEX = 'curve25519-sha256';
const log = (text) => process.stderr.write(`bench: ${text}\n`);

async function ensureLogin(login) {
  const known = await run('id', ['-u', login], { allowFailure: true });
  if (known.code === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`the login "${login}" does not exist: create it, or pass --login=<an existing account>`);
  await run('useradd', ['-m', '-s', '/bin/sh', '-p', '*', login]);
  log(`created the OS account ${login} (shell /bin/sh)`);
}

/** One timed run: wall ms, and the CPU ms of the command and the children it waited for. */
async function sample(row) {
  const before = cpuSeconds(process.pid, { children: true });
  const { ms } = await run(row.argv[0], row.argv.slice(1), { env: row.env });
  return { ms, cpuMs: (cpuSeconds(process.pid, { children: true }) - before) * 1000 };
}

const work = await mkdtemp(join(tmpdir(), 'bench-tsh-'));
const loadAtStart = loadavg()[0];
try {
  log(`working in ${work}`);
  await buildDist();
  await ensureLogin(opts.login);
  const keys = await makeOpenSshKeys(join(work, 'openssh-keys'));
  // The OpenSSH user certificate for the bench login too.
  await run('ssh-keygen', ['-q', '-s', join(keys, 'user_ca'), '-I', 'bench', '-n', `root,${opts.login}`, '-V', '+1d', join(keys, 'user.pub')]);
  const pair = await startOpenSshPair({ dir: join(work, 'openssh'), keys, cipher: CIPHER, kex: KEX });
  const cluster = await startOurCluster({ dir: join(work, 'ours'), cipher: CIPHER, kex: KEX, logins: ['root', opts.login] });
  const env = cluster.env;
  const rows = [
    { key: 'node', name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
    { key: 'ssh-V', name: 'ssh -V', argv: ['ssh', '-V'] },
    { key: 'tsh-version', name: 'tsh version', argv: [TSH, 'version'], env },
    { key: 'tsh-status', name: 'tsh status', argv: [TSH, 'status'], env },
    { key: 'tsh-ls', name: 'tsh ls', argv: [TSH, '--insecure', 'ls'], env },
    { key: 'ssh-J', name: 'ssh -J (sshd jump -> sshd) true', argv: ['ssh', '-l', opts.login, ...pair.sshArgs('true')] },
    { key: 'tsh-ssh', name: 'tsh ssh node true', argv: [TSH, '--insecure', 'ssh', `${opts.login}@${cluster.nodename}`, 'true'], env },
  ];
  // Each row once untimed: a tsh command's first run writes its code cache (src/cli/code-cache.ts).
  for (const row of rows) await run(row.argv[0], row.argv.slice(1), { env: row.env });
  const samples = rows.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [j, row] of rows.entries()) samples[j].push(await sample(row));
  }
  await cluster.close();
  await pair.close();
  const results = rows.map((row, j) => ({
    key: row.key,
    name: row.name,
    ms: median(samples[j].map((s) => s.ms)),
    cpuMs: median(samples[j].map((s) => s.cpuMs)),
  }));
  await writeJsonResults({ bench: 'tsh', results });
  const by = Object.fromEntries(results.map((r) => [r.key, r]));
  const baselineOf = { 'tsh-version': 'ssh-V', 'tsh-status': 'ssh-V', 'tsh-ls': 'ssh-V', 'tsh-ssh': 'ssh-J' };
  const header = ['command', 'ms', 'CPU ms', 'baseline', 'x baseline (time)', 'x baseline (CPU)'];
  const lines = results.map((r) => {
    const b = by[baselineOf[r.key]];
    return [r.name, r.ms.toFixed(0), r.cpuMs.toFixed(0), b ? b.name : '', b ? (r.ms / b.ms).toFixed(2) : '', b ? (r.cpuMs / Math.max(1, b.cpuMs)).toFixed(2) : ''];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l) => `| ${l.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(
    [
      `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${await openSshVersion()}`,
      `load average (1 min) at start ${loadAtStart.toFixed(1)}, at end ${loadavg()[0].toFixed(1)}; ${RUNS} runs per row, in turns, medians; login ${opts.login}; NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set (Node loads those certificates at every start)' : 'unset'}`,
      '',
      fmt(header),
      `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
      ...lines.map(fmt),
      '',
      'goals: tsh status and tsh ls under 150 ms; tsh ssh at most 1.0x the time of ssh -J',
      '',
    ].join('\n'),
  );
} finally {
  await stopAll();
  if (opts.keep) log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
