#!/usr/bin/env node
// Many concurrent SSH sessions through one proxy: N sessions (default 100, 500 and 1,000) held
// open through our proxy to our node, each as `ssh -J proxy node cat` does it, with our SSH client
// (src/sshutils, in --procs forked processes: bench/sessions-clients.mjs); the server's memory per
// session; then every session's connection runs `head -c <bytes/N> /dev/zero` at once and we
// count the output bytes of all of them (aggregate throughput). The same load, with the same
// client, against OpenSSH: sshd as the jump host and sshd as the target (bench/openssh.mjs), up to
// --openssh-max sessions (each OpenSSH connection is two or three processes).
//
//   node bench/sessions.mjs [--sessions=100,500,1000] [--openssh-max=500] [--bytes=256M]
//                           [--procs=2] [--concurrency=8] [--cipher=aes128-gcm@openssh.com]
//                           [--recording=node|off] [--login=tp-bench] [--keep] [--profile]
//
// Memory: of the server side's process tree (our one teleport process running auth, proxy and
// node; both sshd with their per-connection processes), without the sessions' own commands (`cat`,
// `head`, the shells running them). RSS is what `ps` shows; PSS divides pages shared between
// processes (sshd's forked children share most of theirs), so PSS is the fair sum for sshd.
// Per session: (memory with N sessions open - memory with none) / N, and our RSS / N.
import { fork } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { buildDist, startOurCluster } from './cluster.mjs';
import { monotonicUs, summarizeCpuProfile } from './cpu-profile.mjs';
import { makeOpenSshKeys, openSshVersion, startOpenSshPair } from './openssh.mjs';
import { run, stopAll, writeJsonResults } from './run.mjs';

const { values: opts } = parseArgs({
  options: {
    sessions: { type: 'string', default: '100,500,1000' },
    'openssh-max': { type: 'string', default: '500' },
    bytes: { type: 'string', default: '256M' },
    procs: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '8' },
    cipher: { type: 'string', default: 'aes128-gcm@openssh.com' },
    recording: { type: 'string', default: 'node' },
    login: { type: 'string', default: 'tp-bench' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/sessions.mjs [--sessions=100,500,1000] [--openssh-max=500] [--bytes=256M]\n' +
    '         [--procs=2] [--concurrency=8] [--cipher=aes128-gcm@openssh.com] [--recording=node|off] [--keep] [--profile]\n');
  process.exit(0);
}
const STEPS = opts.sessions.split(',').map(Number).sort((a, b) => a - b);
if (STEPS.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sessions: expected positive integers, got ${opts.sessions}`);
const OPENSSH_MAX = Number(opts['openssh-max']);
const PROCS = Number(opts.procs);
const m = /^(\d+)([KMG]?)$/i.exec(opts.bytes);
if (!m) throw new Error(`--bytes: expected a byte count like 256M, got ${opts.bytes}`);
const BYTES = Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase());
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (text) => process.stderr.write(`bench: ${text}\n`);
const MiB = 2 ** 20;

async function bundleClientLib() {
  const outdir = join(ROOT, 'node_modules', '.cache', 'bench-sessions');
  await build({
    absWorkingDir: ROOT,
    entryPoints: { sshutils: 'src/sshutils/index.ts', 'private-key': 'src/sshca/private-key.ts' },
    splitting: true,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3', '@node-rs/argon2', 'ssh2', 'node-pty', 'cpu-features', 'pino', 'thread-stream', 'etcd3'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
  return outdir;
}

/**
 * The OS account the sessions log in as, on both sides. A plain account with /bin/sh (created when
 * missing and we are root), because root's shell here sources ~/.bashrc (bash does for SSH
 * sessions), whose `pyenv init` rehashes under a lock file: hundreds of sessions starting at once
 * would measure pyenv's lock, not the SSH servers.
 */
async function ensureLogin(login) {
  try {
    await run('id', ['-u', login]);
  } catch {
    if (process.getuid?.() !== 0) throw new Error(`the login "${login}" does not exist: create it, or pass --login=<an existing account>`);
    // A password of '*' (none) rather than useradd's locked '!': sshd refuses locked accounts.
    await run('useradd', ['-m', '-s', '/bin/sh', '-p', '*', login]);
    log(`created the OS account ${login} (shell /bin/sh) for the sessions`);
  }
}

/** The processes under `roots` (and the roots), from /proc: pid -> {ppid, comm}. */
async function processTree(roots) {
  const procs = new Map();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      procs.set(Number(name), { ppid, comm });
    } catch {
      // Gone meanwhile.
    }
  }
  const inTree = new Set(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, p] of procs) {
      if (!inTree.has(pid) && inTree.has(p.ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  return [...inTree].map((pid) => ({ pid, ...procs.get(pid) })).filter((p) => p.comm !== undefined);
}

/** RSS and PSS (bytes) summed over the server processes under `roots`, sessions' commands left out. */
async function serverMemory(roots) {
  let rss = 0;
  let pss = 0;
  let count = 0;
  for (const p of await processTree(roots)) {
    if (['cat', 'head', 'sh', 'bash', 'dash'].includes(p.comm)) continue;
    try {
      const rollup = await readFile(`/proc/${p.pid}/smaps_rollup`, 'utf8');
      const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) * 1024;
      rss += kb('Rss');
      pss += kb('Pss');
      count++;
    } catch {
      // Gone meanwhile.
    }
  }
  return { rss, pss, procs: count };
}

/** CPU seconds (user + system) used so far by the server processes under `roots`, sessions' commands left out. */
async function serverCpuS(roots) {
  let ticks = 0;
  for (const p of await processTree(roots)) {
    if (['cat', 'head', 'sh', 'bash', 'dash'].includes(p.comm)) continue;
    try {
      const stat = await readFile(`/proc/${p.pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks / 100;
}

/** PROCS forked client processes with a request/answer channel each. */
async function startClients(cfg) {
  const clients = [];
  for (let i = 0; i < PROCS; i++) {
    const child = fork(join(ROOT, 'bench', 'sessions-clients.mjs'), [JSON.stringify(cfg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const waiting = new Map();
    let nextId = 0;
    await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`client process exited (${code})`)));
    });
    child.on('message', (msg) => {
      waiting.get(msg.id)?.(msg);
      waiting.delete(msg.id);
    });
    const ask = (cmd, extra = {}) =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        child.send({ cmd, id, ...extra });
      });
    clients.push({ child, ask });
  }
  return {
    /** Opens `n` more sessions across the processes; {open, errors, lastError}. */
    async open(n) {
      const parts = await Promise.all(clients.map((c, i) => c.ask('open', { count: Math.floor(n / PROCS) + (i < n % PROCS ? 1 : 0) })));
      return { open: sum(parts, 'open'), errors: sum(parts, 'errors'), lastError: parts.find((p) => p.lastError)?.lastError ?? '', phases: parts.map((p) => p.phases) };
    },
    /** Every open session reads `perSession` bytes at once; {bytes, ms, errors}. */
    async pump(perSession) {
      const parts = await Promise.all(clients.map((c) => c.ask('pump', { bytes: perSession })));
      return { bytes: sum(parts, 'bytes'), ms: Math.max(...parts.map((p) => p.ms)), errors: sum(parts, 'errors'), lastError: parts.find((p) => p.lastError)?.lastError ?? '' };
    },
    async close() {
      await Promise.all(
        clients.map(
          (c) =>
            new Promise((resolve) => {
              if (c.child.exitCode !== null) return resolve();
              c.child.once('exit', resolve);
              c.child.send({ cmd: 'exit' });
              setTimeout(() => c.child.kill('SIGKILL'), 5000).unref();
            }),
        ),
      );
    },
  };
}

/** "jump 12/40/90 | 10/38/85, channel ..." from each client process's phase statistics. */
function formatPhases(perProc) {
  const names = Object.keys(perProc.find(Boolean) ?? {});
  return names.map((n) => `${n} ${perProc.map((p) => (p?.[n] ? `${p[n].median}/${p[n].p90}/${p[n].max}` : '-')).join(' | ')}`).join(', ');
}

const sum = (parts, key) => parts.reduce((s, p) => s + (p?.[key] ?? 0), 0);

/** Opens sessions up to each step of `steps`, measuring memory and throughput at each. */
async function measureSide(side, clientCfg, serverPids) {
  const clients = await startClients(clientCfg);
  const rows = [];
  try {
    await sleep(2000);
    const idle = await serverMemory(serverPids());
    let open = 0;
    for (const n of side.steps) {
      log(`${side.name}: opening sessions up to ${n}`);
      const started = Date.now();
      side.openWindows?.push([monotonicUs(), Infinity]);
      const cpuBefore = await serverCpuS(serverPids());
      const r = await clients.open(n - open);
      const openCpuS = (await serverCpuS(serverPids())) - cpuBefore;
      if (side.openWindows) side.openWindows.at(-1)[1] = monotonicUs();
      const opened = r.open - open;
      open = r.open;
      if (r.errors) log(`${side.name}: ${r.errors} sessions failed to open (${r.lastError})`);
      const openS = (Date.now() - started) / 1000;
      log(`${side.name}: opening ${opened} sessions took ${openS.toFixed(1)} s and ${openCpuS.toFixed(1)} CPU s of the server (${((openCpuS * 1000) / Math.max(1, opened)).toFixed(0)} ms/session)`);
      log(`${side.name}: open phases ms (median/p90/max per client process): ${formatPhases(r.phases)}; load ${loadavg()[0].toFixed(2)}`);
      await sleep(3000);
      const mem = await serverMemory(serverPids());
      log(`${side.name}: ${open} sessions open; pumping ${opts.bytes} across them`);
      const perSession = Math.max(1, Math.floor(BYTES / open));
      const p = await clients.pump(perSession);
      if (p.errors) log(`${side.name}: ${p.errors} sessions failed to pump (${p.lastError})`);
      rows.push({ side: side.name, n, open, openS, idle, mem, pump: p, expected: perSession * open });
      // A partial run (interrupted on a loaded machine) still leaves its figures in the log.
      log(`${side.name} ${n}: open ${open} in ${openS.toFixed(1)} s, RSS ${(mem.rss / MiB).toFixed(0)} MiB, PSS ${(mem.pss / MiB).toFixed(0)} MiB (idle ${(idle.pss / MiB).toFixed(0)}), pump ${(p.bytes / MiB / (p.ms / 1000)).toFixed(1)} MiB/s`);
    }
  } finally {
    await clients.close();
  }
  return rows;
}

function table(rows) {
  const header = ['server', 'sessions asked', 'open', 'open s', 'RSS MiB', 'PSS MiB', 'procs', 'PSS growth KiB/session', 'RSS/session KiB', 'pump MiB/s', 'x OpenSSH', 'pump bytes ok'];
  const lines = [header];
  for (const r of rows) {
    const base = rows.find((b) => b.side === 'OpenSSH' && b.n === r.n);
    const mibps = r.pump.bytes / MiB / (r.pump.ms / 1000);
    const baseMibps = base && base.pump.bytes / MiB / (base.pump.ms / 1000);
    lines.push([
      r.side,
      String(r.n),
      String(r.open),
      r.openS.toFixed(1),
      (r.mem.rss / MiB).toFixed(0),
      (r.mem.pss / MiB).toFixed(0),
      String(r.mem.procs),
      ((r.mem.pss - r.idle.pss) / 1024 / r.open).toFixed(0),
      (r.mem.rss / 1024 / r.open).toFixed(0),
      mibps.toFixed(0),
      base && base !== r ? (mibps / baseMibps).toFixed(2) : '',
      r.pump.bytes === r.expected ? 'yes' : `${r.pump.bytes}/${r.expected}`,
    ]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const fmt = (l) => '| ' + l.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [fmt(lines[0]), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...lines.slice(1).map(fmt)].join('\n');
}

const loadAtStart = loadavg().map((x) => x.toFixed(2)).join(' ');
const work = await mkdtemp(join(tmpdir(), 'bench-sessions-'));
const results = [];
try {
  log(`working in ${work}`);
  await buildDist();
  const lib = await bundleClientLib();
  const concurrency = Number(opts.concurrency);

  await ensureLogin(opts.login);
  const cluster = await startOurCluster({ dir: join(work, 'ours'), cipher: opts.cipher, recording: opts.recording, profile: opts.profile, logins: ['root', opts.login] });
  const side = { name: 'ours', steps: STEPS, openWindows: opts.profile ? [] : undefined };
  let closed = false;
  try {
    const cfg = {
      lib,
      jump: { host: '127.0.0.1', port: cluster.ports.proxySsh },
      target: { host: cluster.nodename, port: cluster.ports.node },
      keyPath: cluster.keyPath,
      certPath: cluster.certPath,
      user: opts.login,
      concurrency,
    };
    results.push(...(await measureSide(side, cfg, () => [cluster.pid])));
    // With --profile: where our process spent its CPU while the sessions were opening.
    const profile = await cluster.close();
    closed = true;
    if (profile) log(await summarizeCpuProfile(profile, { windows: side.openWindows, top: 30, title: 'our teleport process while sessions opened' }));
  } finally {
    if (!closed) await cluster.close();
  }

  const opensshSteps = STEPS.filter((n) => n <= OPENSSH_MAX);
  if (opensshSteps.length) {
    const keys = await makeOpenSshKeys(join(work, 'openssh-keys'));
    // Our client reads PEM keys: an ECDSA key of its own, certified by the same user CA.
    const key = join(keys, 'ssh2user');
    await run('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-m', 'PEM', '-N', '', '-f', key]);
    await run('ssh-keygen', ['-q', '-s', join(keys, 'user_ca'), '-I', 'bench', '-n', `root,${opts.login}`, '-V', '+1d', `${key}.pub`]);
    const max = opensshSteps.at(-1);
    const sshdExtra = [`MaxStartups ${max * 2}:30:${max * 4}`, 'MaxSessions 10'];
    const pair = await startOpenSshPair({ dir: join(work, 'openssh'), keys, cipher: opts.cipher, sshdExtra });
    try {
      const cfg = {
        lib,
        jump: { host: '127.0.0.1', port: pair.ports.jump },
        target: { host: '127.0.0.1', port: pair.ports.node },
        keyPath: key,
        certPath: `${key}-cert.pub`,
        user: opts.login,
        concurrency,
      };
      results.push(...(await measureSide({ name: 'OpenSSH', steps: opensshSteps }, cfg, () => pair.pids)));
    } finally {
      await pair.close();
    }
  }

  await writeJsonResults({ bench: 'sessions', results });
  process.stdout.write(
    [
      `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${await openSshVersion()}`,
      `load average (1/5/15 min) at start ${loadAtStart}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
      `client: our SSH client (src/sshutils) in ${PROCS} processes, ${opts.concurrency} sessions opening at a time in each; cipher ${opts.cipher}; our session recording: ${opts.recording}`,
      `each session: jump connection + direct-tcpip + target connection + exec \`cat\`; pump: \`head -c <${opts.bytes}/N> /dev/zero\` on every target connection at once`,
      '',
      table(results),
      '',
      'ours: one teleport process (auth + proxy + node); OpenSSH: the jump sshd and the target sshd with their per-connection processes.',
      'PSS growth = (PSS with the sessions open - PSS with none) / sessions; x OpenSSH = our pump MiB/s / OpenSSH pump MiB/s at the same N.',
      '',
    ].join('\n'),
  );
} finally {
  await stopAll();
  if (opts.keep) log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
