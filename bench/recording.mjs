#!/usr/bin/env node
// Session recording benchmark: the cost of recording and the memory of replaying.
//
//   node bench/recording.mjs [--size=256M] [--runs=3] [--data=text,random] [--replay-size=1G]
//                            [--only=throughput|replay] [--keep] [--profile]
//
// Throughput: the same exec session (`<generator> | head -c SIZE` on the node, stdout to /dev/null
// on the client) through our proxy to our node with OpenSSH `ssh -J`, once with
// `session_recording: off` and once with `node` (two clusters side by side, sessions alternating);
// medians of `runs`; printed as recorded/off ratios
// of throughput and of the teleport process's CPU per GiB. Each recorded run waits until the node's
// spool is uploaded before the next starts, and that lag is reported. Data: `text` (a repeated line:
// compresses well) and `random` (base64 of /dev/urandom: compresses to ~75%).
//
// With --profile both clusters' teleport processes run under `node --cpu-prof`, and where their CPU
// went (self time by function and by package) is printed after the table.
//
// Replay: a REPLAY_SIZE session is recorded, then `tsh play --format=text` streams it through the
// proxy to /dev/null; peak RSS (VmHWM, reset before the replay with /proc/<pid>/clear_refs) of the
// teleport process (auth + proxy + node in one) and of tsh, as ratios to the recording's size.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildDist, startOurCluster } from './cluster.mjs';
import { monotonicUs, summarizeCpuProfile } from './cpu-profile.mjs';
import { cpuSeconds, median, run, stopAll, writeJsonResults } from './run.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    size: { type: 'string', default: '256M' },
    runs: { type: 'string', default: '3' },
    data: { type: 'string', default: 'text,random' },
    'replay-size': { type: 'string', default: '1G' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/recording.mjs [--size=256M] [--runs=3] [--data=text,random] [--replay-size=1G] [--only=throughput|replay] [--keep] [--profile]\n');
  process.exit(0);
}

/** `256M`, `1G`, `64K` or a byte count (binary units, as `head -c` reads them). */
function parseSize(text) {
  const m = /^(\d+)([KMG]?)$/i.exec(text);
  if (!m) throw new Error(`expected a size like 256M, got ${text}`);
  return Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase()];
}

const SIZE = parseSize(opts.size);
const REPLAY = parseSize(opts['replay-size']);
const RUNS = Number(opts.runs);
const GENERATORS = {
  text: (n) => `yes 'the quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ' | head -c ${n}`,
  random: (n) => `head -c ${Math.ceil((n * 3) / 4)} /dev/urandom | base64 -w 120 | head -c ${n}`,
};
const kinds = opts.data.split(',').filter(Boolean);
for (const k of kinds) if (!GENERATORS[k]) throw new Error(`--data: unknown kind ${k} (text, random)`);

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const fmt = (x, d = 2) => x.toFixed(d);

/** KiB fields of /proc/<pid>/status (VmRSS, VmHWM). */
function status(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

/** Waits until the node's spool is empty (every recording uploaded); ms waited. */
async function waitForUploads(dataDir, timeoutMs = 600_000) {
  const spool = join(dataDir, 'log', 'upload', 'streaming', 'default');
  const started = Date.now();
  for (;;) {
    const left = existsSync(spool) ? readdirSync(spool) : [];
    if (left.length === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`spool not uploaded after ${timeoutMs} ms: ${left.join(', ')}`);
    await sleep(50);
  }
}

async function cluster(recording) {
  const dir = await mkdtemp(join(tmpdir(), `bench-rec-${recording}-`));
  const c = await startOurCluster({ dir, cipher: 'aes128-gcm@openssh.com', kex: 'curve25519-sha256', recording, profile: opts.profile });
  const row = c.rows.find((r) => r.name.startsWith('ssh -J')) ?? c.rows[0];
  // The profile counts only the time of sessions (their [start, end] in monotonicUs), not the cluster's start.
  return { ...c, dir, dataDir: join(dir, 'data'), row, windows: [], env: { ...process.env, TELEPORT_HOME: join(dir, 'tsh-home') } };
}

/** One exec session of `n` bytes of `kind`; {seconds, cpu (teleport's), lag (upload after the end)}. */
async function session(c, kind, n) {
  const [cmd, ...args] = c.row.args(GENERATORS[kind](n));
  const window = [monotonicUs()];
  c.windows.push(window);
  const cpu0 = cpuSeconds(c.pid) + cpuSeconds(c.pid, { children: true });
  const r = await run(cmd, args, { discardStdout: true, env: c.row.env ?? process.env });
  const lag = await waitForUploads(c.dataDir);
  const cpu = cpuSeconds(c.pid) + cpuSeconds(c.pid, { children: true }) - cpu0;
  window.push(monotonicUs());
  return { seconds: r.ms / 1000, cpu, lag };
}

async function throughput() {
  const results = {};
  const profiles = [];
  // Both clusters run side by side and their sessions alternate, so that a machine busier in one
  // minute than in the next weighs on both the same.
  const clusters = { off: await cluster('off'), node: await cluster('node') };
  try {
    for (const kind of kinds) {
      const rs = { off: [], node: [] };
      for (const mode of ['off', 'node']) await session(clusters[mode], kind, 1024 * 1024); // warm-up
      for (let i = 0; i < RUNS; i++) for (const mode of ['off', 'node']) rs[mode].push(await session(clusters[mode], kind, SIZE));
      for (const mode of ['off', 'node']) {
        results[`${kind}/${mode}`] = {
          mbps: SIZE / MiB / median(rs[mode].map((r) => r.seconds)),
          cpuPerGiB: (median(rs[mode].map((r) => r.cpu)) * GiB) / SIZE,
          lag: median(rs[mode].map((r) => r.lag)),
        };
      }
    }
  } finally {
    for (const [mode, c] of Object.entries(clusters)) {
      const prof = await c.close();
      if (prof) profiles.push(await summarizeCpuProfile(prof, { title: `teleport during sessions, recording ${mode}`, windows: c.windows, top: 30 }));
      if (!opts.keep) await rm(c.dir, { recursive: true, force: true });
    }
  }
  await writeJsonResults({ bench: 'recording', results });
  process.stdout.write(`\nCost of recording: exec session of ${opts.size} through proxy -> node (ssh -J), median of ${RUNS}\n`);
  process.stdout.write('data    off MiB/s  recorded MiB/s  throughput recorded/off  teleport CPU s/GiB off  recorded  CPU recorded/off  upload lag after end\n');
  for (const kind of kinds) {
    const off = results[`${kind}/off`];
    const on = results[`${kind}/node`];
    process.stdout.write(
      `${kind.padEnd(7)} ${fmt(off.mbps, 1).padStart(9)}  ${fmt(on.mbps, 1).padStart(14)}  ${fmt(on.mbps / off.mbps).padStart(23)}  ${fmt(off.cpuPerGiB).padStart(22)}  ${fmt(on.cpuPerGiB).padStart(8)}  ${fmt(on.cpuPerGiB / off.cpuPerGiB).padStart(16)}  ${String(Math.round(on.lag)).padStart(17)} ms\n`,
    );
  }
  for (const p of profiles) process.stdout.write(`\n${p}\n`);
}

/** Runs `cmd args` with stdout to /dev/null, sampling the peak RSS of the child and of `watchPid`. */
async function replayPeak(cmd, args, env, watchPid) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  let childPeak = 0;
  let watchPeak = 0;
  const started = Date.now();
  const timer = setInterval(() => {
    try {
      // A process that has exited but is not reaped yet has no VmHWM (NaN): skip it.
      childPeak = Math.max(childPeak, status(child.pid).hwm || 0);
      watchPeak = Math.max(watchPeak, status(watchPid).hwm || 0);
    } catch {
      // The child has exited between samples.
    }
  }, 10);
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearInterval(timer);
  watchPeak = Math.max(watchPeak, status(watchPid).hwm);
  if (code !== 0) throw new Error(`${args.join(' ')}: exit ${code}\n${err}`);
  return { childPeak, watchPeak, seconds: (Date.now() - started) / 1000 };
}

async function replay() {
  const c = await cluster('node');
  try {
    process.stdout.write(`\nRecording a ${opts['replay-size']} session for the replay...\n`);
    const rec = await session(c, 'random', REPLAY);
    const list = JSON.parse((await run(join(ROOT, 'bin', 'tsh'), ['--insecure', 'recordings', 'ls', '--format=json'], { env: c.env })).stdout);
    const sid = list[0].sid;
    const stored = readdirSync(join(c.dataDir, 'log', 'upload', 'sessions', 'default')).find((f) => f.startsWith(sid));
    const before = status(c.pid);
    // Reset the teleport process's peak RSS so that only the replay counts.
    writeFileSync(`/proc/${c.pid}/clear_refs`, '5');
    const tshIdle = await replayPeak(join(ROOT, 'bin', 'tsh'), ['version'], c.env, c.pid);
    writeFileSync(`/proc/${c.pid}/clear_refs`, '5');
    const r = await replayPeak(join(ROOT, 'bin', 'tsh'), ['--insecure', 'play', '--format=text', sid], c.env, c.pid);
    process.stdout.write(`\nReplay of a ${opts['replay-size']} recording (${stored}; recorded at ${fmt(REPLAY / MiB / rec.seconds, 1)} MiB/s) with tsh play --format=text > /dev/null\n`);
    process.stdout.write(`replay took ${fmt(r.seconds, 1)} s (${fmt(REPLAY / MiB / r.seconds, 1)} MiB/s of session output)\n`);
    process.stdout.write('process                         RSS before  peak RSS during replay  peak / recording size\n');
    process.stdout.write(`teleport (auth + proxy + node)  ${fmt(before.rss / MiB, 0).padStart(7)} MiB  ${fmt(r.watchPeak / MiB, 0).padStart(18)} MiB  ${fmt(r.watchPeak / REPLAY, 4).padStart(21)}\n`);
    process.stdout.write(`tsh play                        ${fmt(tshIdle.childPeak / MiB, 0).padStart(7)} MiB  ${fmt(r.childPeak / MiB, 0).padStart(18)} MiB  ${fmt(r.childPeak / REPLAY, 4).padStart(21)}\n`);
    process.stdout.write('(tsh "before": the peak of `tsh version`, the client with nothing to do)\n');
  } finally {
    await c.close();
    if (!opts.keep) await rm(c.dir, { recursive: true, force: true });
  }
}

try {
  await buildDist();
  if (opts.only !== 'replay') await throughput();
  if (opts.only !== 'throughput') await replay();
} finally {
  await stopAll();
}
