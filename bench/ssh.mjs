#!/usr/bin/env node
// SSH benchmark: bulk throughput and time to first command through our proxy and node, against
// OpenSSH `ssh -J` through a real sshd jump host to a real sshd. Same machine, same run, same
// cipher (pinned on both sides, one table row per cipher), medians of several runs, figures as
// ratios ours/OpenSSH.
//
//   node bench/ssh.mjs [--size=500M] [--runs=3] [--latency-runs=10]
//                      [--ciphers=aes128-gcm@openssh.com,chacha20-poly1305@openssh.com]
//                      [--kex=curve25519-sha256|default] [--only=openssh|ours] [--profile] [--keep]
//                      [--recording=node|off] [--teleport-node-flags='--max-semi-space-size=64']
//
// Rows: OpenSSH `ssh -J` through two sshd (the baseline); the same `ssh -J` through our proxy to
// our node; `tsh ssh`; OpenSSH with the config `tsh config` writes (ProxyCommand `tsh proxy ssh`).
// Throughput: `head -c SIZE /dev/zero` on the target, the client's stdout going to /dev/null.
// Time to first command: `true`, from spawning the client until it exits. The key exchange is pinned
// too (by default to curve25519-sha256, which both sides have; OpenSSH alone would pick sntrup761).
// Our cluster records sessions as configured by --recording (auth_service.session_recording;
// `node`, Teleport's default, records exec output too). OpenSSH records nothing.
// CPU columns: seconds of CPU per GiB moved, client side (ssh, its ProxyJump ssh, tsh) and server
// side (both sshd with their session processes; the teleport process and its children).
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { makeOpenSshKeys, openSshVersion, startOpenSshPair } from './openssh.mjs';
import { buildDist, startOurCluster } from './cluster.mjs';
import { monotonicUs, profileClients, summarizeCpuProfile } from './cpu-profile.mjs';
import { cpuSeconds, createCpuGroup, median, run, stopAll, writeJsonResults } from './run.mjs';

const { values: opts } = parseArgs({
  options: {
    size: { type: 'string', default: '500M' },
    runs: { type: 'string', default: '3' },
    'latency-runs': { type: 'string', default: '10' },
    ciphers: { type: 'string', default: 'aes128-gcm@openssh.com,chacha20-poly1305@openssh.com' },
    kex: { type: 'string', default: 'curve25519-sha256' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'teleport-node-flags': { type: 'string', default: '' },
    recording: { type: 'string', default: 'node' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(
    [
      'usage: node bench/ssh.mjs [--size=500M] [--runs=3] [--latency-runs=10]',
      '         [--ciphers=aes128-gcm@openssh.com,chacha20-poly1305@openssh.com]',
      '         [--kex=curve25519-sha256|default] [--only=openssh|ours] [--profile] [--keep]',
      "         [--recording=node|off] [--teleport-node-flags='--max-semi-space-size=64']",
      '',
    ].join('\n'),
  );
  process.exit(0);
}

/** `500M`, `1G`, `64K` or a byte count, as `head -c` reads it (binary units). */
function parseSize(text) {
  const m = /^(\d+)([KMG]?)$/i.exec(text);
  if (!m) throw new Error(`--size: expected a byte count like 500M, got ${text}`);
  return Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase());
}

const bytes = parseSize(opts.size);
const runs = Number(opts.runs);
const latencyRuns = Number(opts['latency-runs']);
const ciphers = opts.ciphers.split(',').filter(Boolean);
const kex = opts.kex === 'default' ? undefined : opts.kex;
const sides = opts.only ? [opts.only] : ['openssh', 'ours'];
const GiB = 1024 ** 3;
const loadAtStart = loadavg()[0];

// Client CPU: a cgroup holding the clients of the throughput runs (with their ProxyCommand and
// ProxyJump processes, which OpenSSH does not reap), else the CPU of the children we reaped.
const clientGroup = createCpuGroup(`bench-ssh-${process.pid}`);
const clientCpu = () => clientGroup?.seconds() ?? cpuSeconds(process.pid, { children: true });
const inClientGroup = (argv) => clientGroup?.wrap(argv) ?? argv;

/** Checks that `row` reaches the target and returns the output whole (1 MiB through a pipe). */
async function verify(row) {
  const [cmd, ...args] = row.args('head -c 1048576 /dev/zero');
  const { stdout, stderr } = await run(cmd, args, { env: row.env });
  if (stdout.length !== 1048576) {
    throw new Error(`${row.name}: expected 1 MiB of output, got ${stdout.length} bytes\n${stderr}`);
  }
}

/** One throughput sample: MiB/s, and CPU s/GiB on the client and the server side. */
async function throughputSample(row) {
  // A server's own CPU and that of the session processes it has reaped.
  const serverCpu = () =>
    row.serverPids().reduce((sum, pid) => sum + cpuSeconds(pid) + cpuSeconds(pid, { children: true }), 0);
  const [c0, s0] = [clientCpu(), serverCpu()];
  const [cmd, ...args] = inClientGroup(row.args(`head -c ${bytes} /dev/zero`));
  const started = monotonicUs();
  const { ms } = await run(cmd, args, { env: row.env, discardStdout: true });
  // When the server is profiled, its samples in these windows are this row's.
  (row.windows ??= []).push([started, monotonicUs()]);
  // sshd reaps its session processes just after the client sees the exit status.
  await sleep(200);
  return {
    mibps: bytes / 1024 ** 2 / (ms / 1000),
    clientCpu: ((clientCpu() - c0) * GiB) / bytes,
    serverCpu: ((serverCpu() - s0) * GiB) / bytes,
  };
}

/**
 * Measures the rows of one cipher (each row: `name`, `args(command)` the client's argv, `env`,
 * `serverPids()`), taking turns (A B C A B C ...) so that load from elsewhere on
 * the machine falls on every row alike. Returns per row the medians: MiB/s, ms to run `true`,
 * CPU s/GiB for client and server.
 */
async function measure(rows) {
  for (const row of rows) await verify(row);
  const samples = rows.map(() => ({ mibps: [], clientCpu: [], serverCpu: [], ms: [] }));
  for (let i = 0; i < runs; i++) {
    for (const [j, row] of rows.entries()) {
      const s = await throughputSample(row);
      for (const k of ['mibps', 'clientCpu', 'serverCpu']) samples[j][k].push(s[k]);
    }
  }
  for (let i = 0; i < latencyRuns; i++) {
    for (const [j, row] of rows.entries()) {
      const [cmd, ...args] = row.args('true');
      samples[j].ms.push((await run(cmd, args, { env: row.env })).ms);
    }
  }
  return samples.map((s) => Object.fromEntries(Object.entries(s).map(([k, xs]) => [k, median(xs)])));
}

async function machineFacts() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return [
    `machine: ${availableParallelism()} cores (${cpu}), Node ${process.version}`,
    `OpenSSH: ${await openSshVersion()}`,
    `client CPU from ${clientGroup ? 'a cpuacct cgroup' : 'reaped children only (ProxyCommand/ProxyJump not counted)'}`,
    `our session recording: ${opts.recording}` +
      (opts['teleport-node-flags'] ? `; teleport runs under node ${opts['teleport-node-flags']}` : ''),
    `load average (1 min) at start ${loadAtStart.toFixed(1)}, at end ${loadavg()[0].toFixed(1)}`,
    `key exchange ${kex ?? "each side's default"}; size ${opts.size} (${bytes} bytes), ${runs} throughput runs and ${latencyRuns} \`true\` runs per row, medians`,
  ].join('\n');
}

function formatTable(results) {
  const header = ['cipher', 'path', 'MiB/s', 'x OpenSSH', '`true` ms', 'x OpenSSH', 'client CPU s/GiB', 'server CPU s/GiB'];
  const lines = [header];
  for (const cipher of ciphers) {
    const base = results.find((r) => r.cipher === cipher && r.side === 'openssh');
    for (const r of results.filter((x) => x.cipher === cipher)) {
      const ratio = (a, b) => (base && r !== base ? (a / b).toFixed(2) : '');
      lines.push([
        cipher.replace('@openssh.com', ''),
        r.name,
        r.mibps.toFixed(0),
        ratio(r.mibps, base?.mibps),
        r.ms.toFixed(0),
        ratio(r.ms, base?.ms),
        r.clientCpu.toFixed(2),
        r.serverCpu.toFixed(2),
      ]);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const fmt = (l) => '| ' + l.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [fmt(lines[0]), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...lines.slice(1).map(fmt)].join('\n');
}

const log = (text) => process.stderr.write(`bench: ${text}\n`);

/**
 * Starts what the rows of one cipher need: the OpenSSH pair and our cluster. Returns the rows and
 * the closers (which may resolve to a CPU profile's path). When our cluster cannot start, its rows
 * are left out and the reason is kept in `problems`, so the baseline is still reported.
 */
async function startRows(work, cipher, keys, problems) {
  const slug = cipher.replace(/@.*/, '');
  const rows = [];
  const closers = [];
  try {
    if (sides.includes('openssh')) {
      const pair = await startOpenSshPair({ dir: join(work, `openssh-${slug}`), keys, cipher, kex });
      closers.push(pair.close);
      rows.push({
        side: 'openssh',
        name: 'ssh -J (sshd jump -> sshd)',
        args: (command) => ['ssh', ...pair.sshArgs(command)],
        serverPids: () => pair.pids,
      });
    }
  } catch (err) {
    await Promise.all(closers.map((close) => close()));
    throw err;
  }
  if (sides.includes('ours')) {
    try {
      const nodeFlags = opts['teleport-node-flags'].split(' ').filter(Boolean);
      const cluster = await startOurCluster({
        dir: join(work, `ours-${slug}`),
        cipher,
        kex,
        recording: opts.recording,
        nodeFlags,
        profile: opts.profile,
      });
      closers.push(cluster.close);
      rows.push(...cluster.rows);
      problems.push(...cluster.missing.map((m) => `${cipher}: ${m}`));
    } catch (err) {
      log(`our cluster failed (${cipher}): ${err.message}`);
      // The first line says what failed, the last what the program said (a usage text is long).
      const lines = err.message.trim().split('\n');
      problems.push(`${cipher}: ${lines[0]}${lines.length > 1 ? ` ... ${lines.at(-1)}` : ''}`);
    }
  }
  return { rows, closers };
}

/** With --profile: one more throughput run of each row that runs tsh, with tsh under --cpu-prof. */
async function profileOurClients(rows, cipher, dir) {
  const out = [];
  for (const [i, row] of rows.filter((r) => r.argsWithTsh).entries()) {
    const command = `head -c ${bytes} /dev/zero`;
    out.push(...(await profileClients(row, command, join(dir, `client-${i}`), `tsh in ${row.name}, ${cipher}`)));
  }
  return out;
}

/** With --profile: the teleport process's samples inside each of our rows' throughput runs. */
async function profileOurServer(rows, serverProfile, cipher) {
  const out = [];
  for (const row of rows.filter((r) => r.side === 'ours')) {
    const title = `teleport process, ${row.name}, ${cipher}, during the throughput runs`;
    out.push(await summarizeCpuProfile(serverProfile, { windows: row.windows, title }));
  }
  return out;
}

const work = await mkdtemp(join(tmpdir(), 'bench-ssh-'));
const results = [];
const reports = [];
const problems = [];
try {
  log(`working in ${work}`);
  if (sides.includes('ours')) await buildDist();
  const keys = sides.includes('openssh') ? await makeOpenSshKeys(join(work, 'openssh-keys')) : undefined;
  for (const cipher of ciphers) {
    const { rows, closers } = await startRows(work, cipher, keys, problems);
    let serverProfile;
    try {
      if (rows.length === 0) continue;
      log(`${cipher}: ${rows.map((r) => r.name).join(', ')}`);
      const figures = await measure(rows);
      rows.forEach((row, i) => results.push({ cipher, side: row.side, name: row.name, note: row.note, ...figures[i] }));
      if (opts.profile) reports.push(...(await profileOurClients(rows, cipher, join(work, `profiles-${cipher}`))));
    } finally {
      for (const close of closers.reverse()) {
        const file = await close();
        if (typeof file === 'string') serverProfile = file;
      }
    }
    if (serverProfile) reports.push(...(await profileOurServer(rows, serverProfile, cipher)));
  }
  await writeJsonResults({ bench: 'ssh', results, problems });
  process.stdout.write(`${await machineFacts()}\n\n${formatTable(results)}\n`);
  process.stdout.write('x OpenSSH = ours / OpenSSH: above 1 is faster for MiB/s, slower for ms\n');
  if (opts.profile) process.stdout.write('(teleport ran under --cpu-prof: its figures are somewhat lower than without)\n');
  for (const report of reports) process.stdout.write(`\n${report}\n`);
  const notes = [...new Set(results.filter((r) => r.note).map((r) => `${r.cipher}, ${r.name}: ${r.note}`))];
  if (notes.length) process.stdout.write(`\nnotes:\n${notes.map((n) => `  ${n}`).join('\n')}\n`);
  if (problems.length) {
    process.stdout.write(`\nrows missing:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exitCode = 1;
  }
} finally {
  await stopAll();
  await clientGroup?.remove();
  if (opts.keep) log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
