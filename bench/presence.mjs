#!/usr/bin/env node
// Presence at scale: N simulated nodes (default 10,000) join one auth server with a token and
// heartbeat into it over mutual TLS, with the node's own heartbeat code (bench/presence-agents.mjs),
// once with the embedded SQLite backend and once with PostgreSQL. The auth server and the proxy run
// as separate `bin/teleport start` processes, so that the auth server can be killed and restarted
// under the proxy.
//
//   node bench/presence.mjs [--nodes=10000] [--backend=sqlite|postgres|both] [--agent-procs=2]
//                           [--spread=30] [--runs=5] [--downtime=10] [--pg=postgresql://postgres@127.0.0.1:5432/test]
//                           [--keep] [--profile]
//
// With --profile the first auth process runs under `node --cpu-prof` and is stopped with SIGTERM
// (so that it writes its profile) instead of kill -9; its samples are summarized per phase.
//
// Phases, for each backend:
//   join       every node joins (`/v1/register` with the token, CA pin checked) and announces itself
//              at once, as a node's first start does; joins per second, CPU of the auth process.
//   heartbeat  every node announces once more at a random moment within --spread seconds (the
//              steady state compressed: at Teleport's period of 300-360 s, N nodes send N/330
//              heartbeats a second); CPU seconds and peak RSS of auth and proxy, CPU per heartbeat,
//              and from it the cores N nodes need at the real period.
//   listing    `tsh ls` (user bench, through the proxy) and `tctl nodes ls` (admin, on the auth host),
//              --runs times each, median wall time; each run must list all N nodes.
//   restart    kill -9 of the auth process; every node announces during the --downtime seconds it
//              is down (as each does on noticing: its watch stream breaks), fails and retries at a
//              random point of the reconnect window auth gave it (hosts / 400 per s, 2-30 s; see
//              src/node/heartbeat.ts); then the auth server is started again
//              and we time until every node has had a heartbeat accepted, with the peak of accepted
//              heartbeats per second (the stampede, if any).
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { PASSWORD, buildDist, retry } from './cluster.mjs';
import { monotonicUs, summarizeCpuProfile } from './cpu-profile.mjs';
import { cpuSeconds, freePort, median, run, startServer, stopAll, stopServer, waitForPort, writeJsonResults } from './run.mjs';

const { values: opts } = parseArgs({
  options: {
    nodes: { type: 'string', default: '10000' },
    backend: { type: 'string', default: 'both' },
    'agent-procs': { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '16' },
    spread: { type: 'string', default: '30' },
    runs: { type: 'string', default: '5' },
    downtime: { type: 'string', default: '10' },
    pg: { type: 'string', default: process.env.TEST_PG_CONN ?? 'postgresql://postgres@127.0.0.1:5432/test' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/presence.mjs [--nodes=10000] [--backend=sqlite|postgres|both] [--agent-procs=2]\n' +
    '         [--concurrency=16] [--spread=30] [--runs=5] [--downtime=10] [--pg=postgresql://...] [--keep] [--profile]\n');
  process.exit(0);
}
const N = Number(opts.nodes);
const BACKENDS = opts.backend === 'both' ? ['sqlite', 'postgres'] : [opts.backend];
if (!Number.isInteger(N) || N < 1) throw new Error(`--nodes: expected a positive integer, got ${opts.nodes}`);
if (!BACKENDS.every((b) => b === 'sqlite' || b === 'postgres')) throw new Error(`--backend: expected sqlite, postgres or both, got ${opts.backend}`);
const AGENT_PROCS = Math.min(N, Number(opts['agent-procs']));
const SPREAD_S = Number(opts.spread);
const RUNS = Number(opts.runs);
const DOWNTIME_S = Number(opts.downtime);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(ROOT, 'bin', name);
const CLUSTER = 'presence.bench';
const TOKEN = 'bench-presence-token-0123456789';
/** Teleport's announce period is 300 s plus up to 60 s of jitter: on average one heartbeat per node every 330 s. */
const MEAN_PERIOD_S = 330;
const log = (text) => process.stderr.write(`bench: ${text}\n`);

/** The node's client and heartbeat, bundled from src/ (inside node_modules so that imports resolve). */
async function bundleAgentLib() {
  const outdir = join(ROOT, 'node_modules', '.cache', 'bench-presence');
  await build({
    absWorkingDir: ROOT,
    entryPoints: { client: 'src/api/client/index.ts', heartbeat: 'src/node/heartbeat.ts', ticker: 'src/node/ticker.ts', 'identity-file': 'src/api/identity-file.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3', '@node-rs/argon2', 'ssh2', 'node-pty', 'cpu-features', 'pino', 'thread-stream', 'etcd3'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
  return outdir;
}

/** Peak RSS (VmHWM) and current RSS of a process, in bytes. */
async function memory(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { peak: kb('VmHWM'), rss: kb('VmRSS') };
}

/** Resets a process's peak RSS to its current RSS (Linux: clear_refs 5), so VmHWM covers one phase. */
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU seconds and peak RSS of `pids` over one phase; `end()` returns them by pid. */
function phaseMeter(procs) {
  const start = new Map();
  for (const [name, child] of Object.entries(procs)) {
    resetPeak(child.pid);
    start.set(name, cpuSeconds(child.pid));
  }
  const t0 = Date.now();
  return async () => {
    const out = { wallS: (Date.now() - t0) / 1000 };
    for (const [name, child] of Object.entries(procs)) {
      out[name] = { cpuS: cpuSeconds(child.pid) - start.get(name), ...(await memory(child.pid)) };
    }
    return out;
  };
}

function yaml(lines) {
  return [...lines, ''].join('\n');
}

/** Starts the auth server (auth_service only) with the storage section of `backend`. */
function authConfig({ dir, backend, pgConn, port }) {
  const storage =
    backend === 'postgres' ? ['  storage:', '    type: postgresql', `    conn_string: ${pgConn}`] : [];
  return yaml([
    'version: v3',
    'teleport:',
    '  nodename: bench-auth',
    `  data_dir: ${join(dir, 'auth-data')}`,
    '  log: {output: stderr, severity: ERROR}',
    ...storage,
    'auth_service:',
    '  enabled: yes',
    `  cluster_name: ${CLUSTER}`,
    `  listen_addr: 127.0.0.1:${port}`,
    '  authentication: {type: local, second_factor: off}',
    `  tokens: ["proxy,node:${TOKEN}"]`,
    'proxy_service: {enabled: no}',
    'ssh_service: {enabled: no}',
  ]);
}

function proxyConfig({ dir, authPort, ports }) {
  return yaml([
    'version: v3',
    'teleport:',
    '  nodename: bench-proxy',
    `  data_dir: ${join(dir, 'proxy-data')}`,
    '  log: {output: stderr, severity: ERROR}',
    `  auth_token: ${TOKEN}`,
    `  auth_server: 127.0.0.1:${authPort}`,
    'auth_service: {enabled: no}',
    'proxy_service:',
    '  enabled: yes',
    `  web_listen_addr: 127.0.0.1:${ports.web}`,
    `  listen_addr: 127.0.0.1:${ports.ssh}`,
    `  tunnel_listen_addr: 127.0.0.1:${ports.tunnel}`,
    `  public_addr: 127.0.0.1:${ports.web}`,
    'ssh_service: {enabled: no}',
  ]);
}

/**
 * Sets the bench user's password through the invite link `tctl users add` printed, on the auth
 * API (a proxy without auth in its process does not serve the web UI's invite page yet).
 */
async function completeInvite(libDir, authAddr, adminIdentity, tctlOutput) {
  const token = /\/web\/invite\/(\S+)/.exec(tctlOutput)?.[1];
  if (!token) throw new Error(`no invite link in tctl users add output:\n${tctlOutput}`);
  const { AuthClient } = await import(pathToFileURL(join(libDir, 'client.mjs')).href);
  const { parseIdentityFile } = await import(pathToFileURL(join(libDir, 'identity-file.mjs')).href);
  // The auth host's admin identity names the cluster's TLS host CA.
  const admin = parseIdentityFile(await readFile(adminIdentity, 'utf8'), adminIdentity);
  const anon = new AuthClient({ addr: authAddr, clusterName: CLUSTER, caPems: admin.tlsCAs });
  await anon.completeUserToken({ token, password: PASSWORD });
}

/** psql against the server of `--pg` (database `test` or whichever it names). */
async function psql(sql) {
  const url = new URL(opts.pg);
  await run('psql', ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username) || 'postgres', '-d', url.pathname.slice(1) || 'test', '-v', 'ON_ERROR_STOP=1', '-qc', sql]);
}

/** The fleet: AGENT_PROCS forked processes sharing the N nodes, and a request/answer channel to each. */
function startFleet({ libDir, authAddr, caPins }) {
  const per = Math.ceil(N / AGENT_PROCS);
  const procs = [];
  for (let p = 0; p < AGENT_PROCS; p++) {
    const first = p * per;
    const count = Math.min(per, N - first);
    const cfg = { lib: libDir, authAddr, token: TOKEN, caPins, clusterName: CLUSTER, first, count, concurrency: Number(opts.concurrency) };
    const child = fork(join(ROOT, 'bench', 'presence-agents.mjs'), [JSON.stringify(cfg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const waiting = new Map();
    let nextId = 0;
    const state = { child, joinedAll: false, waiting };
    child.on('message', (m) => {
      if (m.joinedAll) state.joinedAll = true;
      if (m.id !== undefined) {
        waiting.get(m.id)?.(m);
        waiting.delete(m.id);
      }
    });
    child.on('exit', (code) => {
      if (!state.closing) log(`agent process ${p} exited (${code})`);
      for (const resolve of waiting.values()) resolve(undefined);
    });
    state.ask = (cmd, extra = {}) =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        child.send({ cmd, id, ...extra });
      });
    procs.push(state);
  }
  const all = (cmd, extra) => Promise.all(procs.map((p) => p.ask(cmd, extra)));
  return {
    procs,
    all,
    /** The counters of every agent process, summed; perSecond merged. */
    async status() {
      const parts = await all('status');
      const sum = { joined: 0, joinErrors: 0, gaveUp: 0, ok: 0, fail: 0, back: 0, nodes: 0, lastBackAt: 0, rss: 0, lastError: '' };
      const perSecond = new Map();
      for (const s of parts.filter(Boolean)) {
        for (const k of ['joined', 'joinErrors', 'gaveUp', 'ok', 'fail', 'back', 'nodes', 'rss']) sum[k] += s[k];
        sum.lastBackAt = Math.max(sum.lastBackAt, s.lastBackAt);
        sum.lastError ||= s.lastError;
        for (const [sec, n] of s.perSecond) perSecond.set(sec, (perSecond.get(sec) ?? 0) + n);
      }
      sum.perSecond = perSecond;
      return sum;
    },
    async close() {
      for (const p of procs) p.closing = true;
      await Promise.all(
        procs.map(
          (p) =>
            new Promise((resolve) => {
              if (p.child.exitCode !== null) return resolve();
              p.child.once('exit', resolve);
              p.child.send({ cmd: 'exit' });
              setTimeout(() => p.child.kill('SIGKILL'), 5000).unref();
            }),
        ),
      );
    },
  };
}

/** Polls the fleet until `done(status)`; logs progress; throws after `timeoutMs`. */
async function waitFleet(fleet, what, done, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastLog = 0;
  for (;;) {
    const s = await fleet.status();
    if (done(s)) return s;
    if (Date.now() - lastLog > 10_000) {
      log(`${what}: joined ${s.joined}, heartbeats ok ${s.ok}, failed ${s.fail}, back ${s.back}${s.lastError ? ` (last error: ${s.lastError})` : ''}`);
      lastLog = Date.now();
    }
    if (Date.now() > deadline) throw new Error(`${what}: not done after ${timeoutMs / 1000} s (joined ${s.joined}, ok ${s.ok}, back ${s.back}/${N}; ${s.lastError})`);
    await sleep(250);
  }
}

const countNodes = (text) => text.split('\n').filter((l) => /\bsim-\d{5}\b/.test(l)).length;

/** Runs one backend's phases; returns its figures. */
async function benchBackend(backend, work, libDir) {
  const dir = join(work, backend);
  await mkdir(dir, { recursive: true });
  let pgConn;
  const db = `bench_presence_${process.pid}`;
  if (backend === 'postgres') {
    await psql(`DROP DATABASE IF EXISTS ${db}`);
    await psql(`CREATE DATABASE ${db}`);
    const url = new URL(opts.pg);
    url.pathname = `/${db}`;
    pgConn = url.toString();
  }
  const authPort = await freePort();
  const ports = { web: await freePort(), ssh: await freePort(), tunnel: await freePort() };
  const authYaml = join(dir, 'auth.yaml');
  await writeFile(authYaml, authConfig({ dir, backend, pgConn, port: authPort }));
  await writeFile(join(dir, 'proxy.yaml'), proxyConfig({ dir, authPort, ports }));
  const profileDir = join(dir, 'auth-profile');
  const startAuth = (profile = false) =>
    startServer(process.execPath, [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), bin('teleport'), 'start', '-c', authYaml], {
      logFile: join(dir, 'auth.log'),
    });
  const servers = { auth: startAuth(opts.profile) };
  const windows = {};
  const mark = (phase, end = false) => {
    if (end) windows[phase][1] = monotonicUs();
    else windows[phase] = [monotonicUs(), Infinity];
  };
  let fleet;
  const figures = { backend };
  try {
    await waitForPort(authPort, { child: servers.auth, timeoutMs: 60_000 });
    const tctl = (...args) => run(bin('tctl'), ['-c', authYaml, ...args]);
    const status = await retry(() => tctl('status'));
    const caPins = [...status.stdout.matchAll(/sha256:[0-9a-f]{64}/g)].map((m) => m[0]);
    servers.proxy = startServer(process.execPath, [bin('teleport'), 'start', '-c', join(dir, 'proxy.yaml')], { logFile: join(dir, 'proxy.log') });
    await waitForPort(ports.web, { child: servers.proxy, timeoutMs: 60_000 });
    const invite = await tctl('users', 'add', 'bench', '--roles=access', '--logins=root');
    await completeInvite(libDir, `127.0.0.1:${authPort}`, join(dir, 'auth-data', 'admin-identity.pem'), invite.stdout);
    const env = { ...process.env, TELEPORT_HOME: join(dir, 'tsh-home') };
    await run(bin('tsh'), ['login', `--proxy=127.0.0.1:${ports.web}`, '--user=bench', '--insecure'], { env, input: `${PASSWORD}\n` });

    // Join: every node registers and announces itself.
    log(`${backend}: joining ${N} nodes from ${AGENT_PROCS} processes`);
    let meter = phaseMeter(servers);
    mark('join');
    fleet = startFleet({ libDir, authAddr: `127.0.0.1:${authPort}`, caPins });
    const joined = await waitFleet(fleet, `${backend} join`, (s) => s.joined + s.gaveUp >= N && s.ok >= s.joined, 30 * 60_000);
    mark('join', true);
    figures.join = { ...(await meter()), nodes: joined.joined, errors: joined.joinErrors, lastError: joined.lastError };
    if (joined.joined < N) throw new Error(`${N - joined.joined} nodes could not join: ${joined.lastError}`);
    figures.agentRss = joined.rss;

    // One heartbeat from every node, spread over SPREAD_S seconds.
    log(`${backend}: heartbeat round (${N} heartbeats over ${SPREAD_S} s)`);
    await sleep(2000);
    meter = phaseMeter(servers);
    mark('heartbeat');
    await fleet.all('mark');
    const before = await fleet.status();
    await fleet.all('trigger', { spreadMs: SPREAD_S * 1000 });
    const round = await waitFleet(fleet, `${backend} heartbeat round`, (s) => s.back >= N, 10 * 60_000);
    mark('heartbeat', true);
    figures.heartbeat = { ...(await meter()), beats: round.ok - before.ok, failed: round.fail - before.fail };

    // Listing: tsh ls through the proxy, tctl nodes ls on the auth host.
    log(`${backend}: tsh ls and tctl nodes ls, ${RUNS} runs each`);
    meter = phaseMeter(servers);
    mark('listing');
    const times = { tsh: [], tctl: [] };
    for (let i = 0; i < RUNS; i++) {
      const ls = await run(bin('tsh'), ['--insecure', 'ls'], { env });
      if (countNodes(ls.stdout) !== N) throw new Error(`tsh ls listed ${countNodes(ls.stdout)} nodes, not ${N}`);
      times.tsh.push(ls.ms);
      const nodes = await tctl('nodes', 'ls');
      if (countNodes(nodes.stdout) !== N) throw new Error(`tctl nodes ls listed ${countNodes(nodes.stdout)} nodes, not ${N}`);
      times.tctl.push(nodes.ms);
    }
    mark('listing', true);
    figures.listing = { ...(await meter()), tshMs: median(times.tsh), tctlMs: median(times.tctl), tshAll: times.tsh, tctlAll: times.tctl };

    // Restart: kill -9, every node fails its next heartbeat, start again, wait for all to be back.
    log(`${backend}: kill -9 of the auth server, ${DOWNTIME_S} s down, restart`);
    const beforeKill = await fleet.status();
    const killedAt = Date.now();
    if (opts.profile) {
      await stopServer(servers.auth, 15_000);
      figures.profiles = await profileReport(profileDir, windows, backend);
    } else {
      servers.auth.kill('SIGKILL');
      await new Promise((resolve) => servers.auth.once('exit', resolve));
    }
    await fleet.all('mark');
    await fleet.all('trigger', { spreadMs: 1000 });
    await sleep(DOWNTIME_S * 1000);
    const down = await fleet.status();
    const restartAt = Date.now();
    servers.auth = startAuth();
    meter = phaseMeter({ auth: servers.auth });
    await waitForPort(authPort, { child: servers.auth, timeoutMs: 120_000 });
    const listeningAt = Date.now();
    const back = await waitFleet(fleet, `${backend} recovery`, (s) => s.back >= N, 10 * 60_000);
    const perSecond = [...back.perSecond.values()];
    figures.restart = {
      ...(await meter()),
      failedWhileDown: down.fail - beforeKill.fail,
      authUpS: (listeningAt - restartAt) / 1000,
      allBackAfterListenS: (back.lastBackAt - listeningAt) / 1000,
      allBackAfterKillS: (back.lastBackAt - killedAt) / 1000,
      peakPerSecond: Math.max(0, ...perSecond),
    };
    const after = await retry(() => run(bin('tsh'), ['--insecure', 'ls'], { env }), 60_000);
    figures.restart.tshLsAfterMs = after.ms;
    figures.restart.tshLsAfterCount = countNodes(after.stdout);
    return figures;
  } finally {
    await fleet?.close();
    for (const child of Object.values(servers)) await stopServer(child, 10_000);
    if (backend === 'postgres') await psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch((err) => log(`could not drop ${db}: ${err.message}`));
  }
}

/** The first auth process's CPU profile, summarized for each phase. */
async function profileReport(dir, windows, backend) {
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return [`${backend}: the auth process wrote no profile`];
  const out = [];
  for (const [phase, w] of Object.entries(windows)) {
    out.push(await summarizeCpuProfile(join(dir, files[0]), { windows: [w], top: 25, title: `${backend} auth process, ${phase} phase` }));
  }
  return out;
}

const mb = (bytes) => (bytes / 2 ** 20).toFixed(0);
const s1 = (x) => x.toFixed(1);

function report(all) {
  const lines = [];
  lines.push(
    `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`,
    `load average (1/5/15 min) at start ${loadAtStart}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
    `${N} simulated nodes in ${AGENT_PROCS} processes (the node's own join, AuthClient and Heartbeat code), one auth server and one proxy, separate processes`,
    '',
  );
  const rows = [['figure', ...all.map((f) => f.backend)]];
  const add = (name, fn) => rows.push([name, ...all.map((f) => (f.error ? '—' : fn(f)))]);
  add('join: nodes/s (register + first heartbeat)', (f) => s1(f.join.nodes / f.join.wallS));
  add('join: auth CPU s (ms per node)', (f) => `${s1(f.join.auth.cpuS)} (${((f.join.auth.cpuS * 1000) / f.join.nodes).toFixed(1)})`);
  add('heartbeat round: wall s / requested spread s', (f) => `${s1(f.heartbeat.wallS)} / ${SPREAD_S}`);
  add('heartbeat round: heartbeats/s achieved', (f) => s1(f.heartbeat.beats / f.heartbeat.wallS));
  add('heartbeat round: auth CPU s (ms per heartbeat)', (f) => `${s1(f.heartbeat.auth.cpuS)} (${((f.heartbeat.auth.cpuS * 1000) / f.heartbeat.beats).toFixed(2)})`);
  add('heartbeat round: auth peak RSS MiB', (f) => mb(f.heartbeat.auth.peak));
  add('heartbeat round: proxy CPU s, peak RSS MiB', (f) => `${s1(f.heartbeat.proxy.cpuS)}, ${mb(f.heartbeat.proxy.peak)}`);
  add(`cores for ${N} nodes at the real period (${N}/${MEAN_PERIOD_S} s = ${s1(N / MEAN_PERIOD_S)}/s)`, (f) => ((f.heartbeat.auth.cpuS / f.heartbeat.beats) * (N / MEAN_PERIOD_S)).toFixed(3));
  add('heartbeats/s 2 cores could take (CPU-bound)', (f) => (2 / (f.heartbeat.auth.cpuS / f.heartbeat.beats)).toFixed(0));
  add(`tsh ls at ${N} nodes, median ms`, (f) => f.listing.tshMs.toFixed(0));
  add(`tctl nodes ls at ${N} nodes, median ms`, (f) => f.listing.tctlMs.toFixed(0));
  add('listing: auth peak RSS MiB, proxy peak RSS MiB', (f) => `${mb(f.listing.auth.peak)}, ${mb(f.listing.proxy.peak)}`);
  add('restart: heartbeats failed while auth was down', (f) => String(f.restart.failedWhileDown));
  add('restart: auth listening after start, s', (f) => s1(f.restart.authUpS));
  add('restart: all nodes back after auth listens, s', (f) => s1(f.restart.allBackAfterListenS));
  add('restart: all nodes back after the kill, s', (f) => s1(f.restart.allBackAfterKillS));
  add('restart: peak accepted heartbeats/s', (f) => String(f.restart.peakPerSecond));
  add('restart: auth CPU s, peak RSS MiB during recovery', (f) => `${s1(f.restart.auth.cpuS)}, ${mb(f.restart.auth.peak)}`);
  add('restart: first tsh ls after recovery, ms', (f) => `${f.restart.tshLsAfterMs.toFixed(0)} (${f.restart.tshLsAfterCount} nodes)`);
  add('agent processes RSS MiB (all)', (f) => mb(f.agentRss));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const fmt = (r) => '| ' + r.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  lines.push(fmt(rows[0]), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.slice(1).map(fmt));
  lines.push(
    '',
    `Teleport sizes ${'10,000'} nodes at 2 auth servers of 8 vCPU (16 vCPU); the "cores" row is the auth CPU the heartbeats of N nodes need here at the real period,`,
    'measured on a 2-core machine shared with the simulated nodes, the proxy and the CLIs (and other work: see the load average).',
  );
  if (opts.profile) lines.push('(--profile: auth ran under --cpu-prof and was stopped with SIGTERM, not kill -9)');
  for (const f of all) for (const p of f.profiles ?? []) lines.push('', p);
  for (const f of all.filter((x) => x.error)) lines.push(`${f.backend}: failed: ${f.error}`);
  return lines.join('\n');
}

const loadAtStart = loadavg().map((x) => x.toFixed(2)).join(' ');
const work = await mkdtemp(join(tmpdir(), 'bench-presence-'));
const results = [];
try {
  log(`working in ${work}`);
  await buildDist();
  const libDir = await bundleAgentLib();
  for (const backend of BACKENDS) {
    try {
      results.push(await benchBackend(backend, work, libDir));
    } catch (err) {
      log(`${backend} failed: ${err.stack}`);
      results.push({ backend, error: err.message.split('\n')[0] });
      process.exitCode = 1;
    }
  }
  process.stdout.write(`${report(results)}\n`);
  await writeJsonResults({
    bench: 'presence',
    nodes: N,
    results: results.map((f) =>
      f.error
        ? { backend: f.backend, error: f.error }
        : {
            backend: f.backend,
            joinCpuMsPerNode: (f.join.auth.cpuS * 1000) / f.join.nodes,
            joinsPerS: f.join.nodes / f.join.wallS,
            heartbeatsPerS: f.heartbeat.beats / f.heartbeat.wallS,
            allBackAfterListenS: f.restart.allBackAfterListenS,
            peakPerSecond: f.restart.peakPerSecond,
          },
    ),
  });
} finally {
  await stopAll();
  if (opts.keep) log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
