#!/usr/bin/env node
// Application access benchmark (issue 14): autocannon against a small HTTP app straight, and the
// same app through our proxy by its host name with an app session cookie (app_service in the same
// teleport process, the JWT and audit on as always), keep-alive on, in one run against the same
// app. Direct and proxied runs take turns; figures are medians of --runs: requests/s and latency
// p50/p99, and the ratio ours/direct. Then the app session creation rate: --clients concurrent
// users' calls to POST /v1/appsessions (auth API, mutual TLS) for --secs. CPU per request of the
// teleport process and of the app are printed too (steadier than requests/s on a loaded machine).
// BENCH_JSON gets the figures (bench/all.mjs); --profile prints where teleport's CPU went.
//
//   node bench/app.mjs [--secs=5] [--runs=3] [--connections=32] [--clients=16] [--keep] [--profile]
import { readFile, readdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { buildDist, retry } from './cluster.mjs';
import { monotonicUs, summarizeCpuProfile } from './cpu-profile.mjs';
import { cpuSeconds, freePort, median, run, startServer, stopAll, stopServer, waitForPort, writeJsonResults } from './run.mjs';

const { values: opts } = parseArgs({
  options: {
    secs: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    clients: { type: 'string', default: '16' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/app.mjs [--secs=5] [--runs=3] [--connections=32] [--clients=16] [--keep] [--profile]\n');
  process.exit(0);
}
for (const k of ['secs', 'runs', 'connections', 'clients']) {
  if (!/^[1-9]\d*$/.test(opts[k])) throw new Error(`--${k}: expected a positive whole number, got ${opts[k]}`);
}
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(ROOT, 'bin', name);
const HOST = 'bench.localhost';
const log = (text) => process.stderr.write(`bench: ${text}\n`);
const loadAtStart = loadavg()[0];

/** The app: answers every request with a small body, as a dashboard's API calls do. */
const APP_SOURCE = `require('node:http').createServer((q, s) => { s.setHeader('content-type', 'text/plain'); s.end('hello from the app\\n'); }).listen(Number(process.argv[1]), '127.0.0.1');`;

function teleportYaml({ dataDir, ports, appPort }) {
  return [
    'version: v3',
    'teleport:',
    '  nodename: bench-app',
    `  data_dir: ${dataDir}`,
    '  log: {output: stderr, severity: ERROR}',
    'auth_service:',
    '  enabled: yes',
    '  cluster_name: bench.localhost',
    `  listen_addr: 127.0.0.1:${ports.auth}`,
    '  authentication: {type: local, second_factor: off}',
    'proxy_service:',
    '  enabled: yes',
    `  web_listen_addr: 127.0.0.1:${ports.web}`,
    `  listen_addr: 127.0.0.1:${ports.proxySsh}`,
    `  tunnel_listen_addr: 127.0.0.1:${ports.tunnel}`,
    `  public_addr: localhost:${ports.web}`,
    'ssh_service: {enabled: no}',
    'app_service:',
    '  enabled: yes',
    '  apps:',
    '  - name: bench',
    `    uri: http://127.0.0.1:${appPort}`,
    `    public_addr: ${HOST}`,
    '',
  ].join('\n');
}

/** One mutual-TLS call to the auth API with the user's certificate. */
function authCall(ports, creds, agent, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ports.auth, method, path, agent, ...creds, rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.setHeader('content-type', 'application/json');
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function cannon(o) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: Number(opts.connections), duration: Number(opts.secs), pipelining: 1, ...o }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

async function main() {
  await buildDist();
  const dir = await mkdtemp(join(tmpdir(), 'bench-app-'));
  const ports = { auth: await freePort(), web: await freePort(), proxySsh: await freePort(), tunnel: await freePort() };
  const appPort = await freePort();
  const appChild = startServer(process.execPath, ['-e', APP_SOURCE, String(appPort)], { logFile: join(dir, 'app.log') });
  await waitForPort(appPort, { child: appChild });
  const config = join(dir, 'teleport.yaml');
  await writeFile(config, teleportYaml({ dataDir: join(dir, 'data'), ports, appPort }));
  const profileDir = join(dir, 'cpu-profile');
  const profFlags = opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const tp = startServer(process.execPath, [...profFlags, bin('teleport'), 'start', '-c', config], { logFile: join(dir, 'teleport.log') });
  const windows = { proxied: [], sessions: [] };
  const tctl = (...args) => run(bin('tctl'), ['-c', config, ...args]);
  try {
    await waitForPort(ports.web, { child: tp });
    await retry(() => tctl('status'));
    await tctl('users', 'add', 'bench', '--roles=access');
    await tctl('auth', 'sign', '--user=bench', '--format=tls', `--out=${join(dir, 'bench')}`, '--overwrite');
    const creds = { cert: await readFile(join(dir, 'bench.crt')), key: await readFile(join(dir, 'bench.key')) };
    const agent = new Agent({ keepAlive: true, maxSockets: Number(opts.clients) });
    const session = await retry(() => authCall(ports, creds, agent, 'POST', '/v1/appsessions', { app_name: 'bench' }));
    const cookie = `__Host-grv_app_session=${session.session_id}; __Host-grv_app_session_subject=${session.subject_token}`;
    const direct = { url: `http://127.0.0.1:${appPort}/` };
    const proxied = { url: `https://127.0.0.1:${ports.web}/`, headers: { host: `${HOST}:${ports.web}`, cookie }, tlsOptions: { rejectUnauthorized: false, servername: HOST } };
    // Warm-up and a check that the proxied path answers 200.
    const warm = await cannon({ ...proxied, duration: 2 });
    if (warm['2xx'] === 0 || warm.non2xx > 0) throw new Error(`the proxied app did not answer 200 (${warm.non2xx} other answers, ${warm.errors} errors, ${warm.timeouts} timeouts)`);
    await cannon({ ...direct, duration: 1 });

    const rows = { direct: [], proxied: [] };
    for (let i = 0; i < Number(opts.runs); i++) {
      for (const [name, o] of [['direct', direct], ['proxied', proxied]]) {
        const w = [monotonicUs(), 0];
        const cpu0 = { app: cpuSeconds(appChild.pid), teleport: cpuSeconds(tp.pid) };
        const r = await cannon(o);
        const cpu = { app: cpuSeconds(appChild.pid) - cpu0.app, teleport: cpuSeconds(tp.pid) - cpu0.teleport };
        w[1] = monotonicUs();
        if (name === 'proxied') windows.proxied.push(w);
        if (r.non2xx + r.errors > r.requests.total / 100) throw new Error(`${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors of ${r.requests.total}`);
        if (r.non2xx + r.errors > 0) log(`${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors of ${r.requests.total}`);
        const n = Math.max(1, r['2xx']);
        // CPU per request (ms): steadier than requests/s on a loaded machine, and says what the proxy costs.
        rows[name].push({ rps: r['2xx'] / Number(opts.secs), p50: r.latency.p50, p99: r.latency.p99, appCpuMs: (1000 * cpu.app) / n, teleportCpuMs: (1000 * cpu.teleport) / n });
        log(`${name} run ${i + 1}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, CPU per request: app ${((1000 * cpu.app) / n).toFixed(3)} ms, teleport ${((1000 * cpu.teleport) / n).toFixed(3)} ms`);
      }
    }
    const med = (name, k) => median(rows[name].map((x) => x[k]));

    // App session creation: each client loops POST /v1/appsessions for --secs.
    const until = Date.now() + Number(opts.secs) * 1000;
    let created = 0;
    const started = Date.now();
    const sessionCpu0 = cpuSeconds(tp.pid);
    await Promise.all(
      Array.from({ length: Number(opts.clients) }, async () => {
        while (Date.now() < until) {
          await authCall(ports, creds, agent, 'POST', '/v1/appsessions', { app_name: 'bench' });
          created++;
        }
      }),
    );
    const perSec = created / ((Date.now() - started) / 1000);
    const sessionCpuMs = (1000 * (cpuSeconds(tp.pid) - sessionCpu0)) / Math.max(1, created);
    windows.sessions.push([monotonicUs() - (Date.now() - started) * 1000, monotonicUs()]);

    const out = [
      `Application access, ${availableParallelism()} CPUs, load ${loadAtStart.toFixed(2)} at start; autocannon ${opts.connections} keep-alive connections, ${opts.secs} s x ${opts.runs} runs (medians)`,
      `  direct:        ${Math.round(med('direct', 'rps'))} req/s, p50 ${med('direct', 'p50')} ms, p99 ${med('direct', 'p99')} ms`,
      `  through proxy: ${Math.round(med('proxied', 'rps'))} req/s, p50 ${med('proxied', 'p50')} ms, p99 ${med('proxied', 'p99')} ms`,
      `  ratio ours/direct: ${(med('proxied', 'rps') / med('direct', 'rps')).toFixed(2)}x requests/s`,
      `  CPU per proxied request: teleport ${med('proxied', 'teleportCpuMs').toFixed(3)} ms, the app ${med('proxied', 'appCpuMs').toFixed(3)} ms (direct: the app ${med('direct', 'appCpuMs').toFixed(3)} ms)`,
      `  app session creation: ${Math.round(perSec)}/s (${opts.clients} concurrent users' POST /v1/appsessions), teleport CPU ${sessionCpuMs.toFixed(2)} ms per session`,
      `  load ${loadavg()[0].toFixed(2)} at end`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    await writeJsonResults({
      load: { start: loadAtStart, end: loadavg()[0] },
      cpus: availableParallelism(),
      direct: { rps: med('direct', 'rps'), p50: med('direct', 'p50'), p99: med('direct', 'p99'), appCpuMs: med('direct', 'appCpuMs') },
      proxied: { rps: med('proxied', 'rps'), p50: med('proxied', 'p50'), p99: med('proxied', 'p99'), appCpuMs: med('proxied', 'appCpuMs'), teleportCpuMs: med('proxied', 'teleportCpuMs') },
      sessions: { perSec, clients: Number(opts.clients), teleportCpuMs: sessionCpuMs },
    });
    agent.destroy();
  } finally {
    await stopServer(tp, 15_000);
    if (opts.profile) {
      const files = (await readdir(profileDir).catch(() => [])).filter((f) => f.endsWith('.cpuprofile'));
      if (files.length) await writeFile(join(profileDir, 'windows.json'), JSON.stringify(windows));
      for (const f of files) {
        log(await summarizeCpuProfile(join(profileDir, f), { windows: windows.proxied, top: 30, title: 'teleport while proxying' }));
        log(await summarizeCpuProfile(join(profileDir, f), { windows: windows.sessions, top: 30, title: 'teleport while creating app sessions' }));
      }
    }
    await stopServer(appChild);
    await stopAll();
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
