#!/usr/bin/env node
// Kubernetes benchmark (issue 13): the real kubectl straight to the Kubernetes API server stand-in
// (test/kube-apiserver, bundled here with esbuild and run in this process), and the same kubectl
// through our proxy (kube_listen_addr, kubernetes_service in the same teleport process serving the
// stand-in from a kubeconfig, impersonation and kube.request audit on as always), in one run against
// the same API server. Direct and proxied runs take turns; figures are medians (and p99) and the ratio
// ours/direct.
//
//   node bench/kube.mjs [--gets=40] [--size=200M] [--runs=3] [--clients=16] [--secs=5] [--keep] [--cpu-prof]
//
// --cpu-prof runs the teleport process under `node --cpu-prof` and prints where its time went.
//
// Rows: `kubectl get pods` wall time (one kubectl process each: through the proxy with the exec plugin
// `tsh kube credentials` that tsh kube login configures, and with that certificate written inline); `kubectl exec pod -- head -c
// <size> /dev/zero | wc -c` throughput over websocket (kubectl's default) and SPDY/3.1
// (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false); and requests per second of GET pods from --clients
// concurrent keep-alive HTTPS clients for --secs, with the kubeconfig's credentials.
import { build } from 'esbuild';
import { Agent, request } from 'node:https';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { acceptInvite, buildDist, PASSWORD, retry } from './cluster.mjs';
import { freePort, median, run, startServer, stopAll, stopServer, waitForPort, writeJsonResults } from './run.mjs';

const { values: opts } = parseArgs({
  options: {
    gets: { type: 'string', default: '40' },
    size: { type: 'string', default: '200M' },
    runs: { type: 'string', default: '3' },
    clients: { type: 'string', default: '16' },
    secs: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/kube.mjs [--gets=40] [--size=200M] [--runs=3] [--clients=16] [--secs=5] [--keep]\n');
  process.exit(0);
}
for (const k of ['gets', 'runs', 'clients', 'secs']) {
  if (!/^[1-9]\d*$/.test(opts[k])) throw new Error(`--${k}: expected a positive whole number, got ${opts[k]}`);
}
const sizeMatch = /^([1-9]\d*)([KMG]?)$/.exec(opts.size);
if (!sizeMatch) throw new Error(`--size: expected a byte count like 200M, got ${opts.size}`);
const SIZE = Number(sizeMatch[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[sizeMatch[2]];

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(ROOT, 'bin', name);
const KUBE = 'bench-kube';
const TC = 'bench.localhost';
const USER = 'bench';
const log = (text) => process.stderr.write(`bench: ${text}\n`);
const loadAtStart = loadavg()[0];

/** The stand-in is TypeScript test code: bundled next to node_modules so its packages resolve. */
async function loadStandIn() {
  const out = join(ROOT, 'node_modules', '.cache', 'bench-kube', 'standin.mjs');
  await build({
    entryPoints: [join(ROOT, 'test', 'kube-apiserver', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: out,
    logLevel: 'error',
  });
  return import(pathToFileURL(out).href);
}

function teleportYaml({ dataDir, ports, kubeconfig }) {
  return [
    'version: v3',
    'teleport:',
    '  nodename: bench-kube-host',
    `  data_dir: ${dataDir}`,
    '  log: {output: stderr, severity: ERROR}',
    'auth_service:',
    '  enabled: yes',
    `  cluster_name: ${TC}`,
    `  listen_addr: 127.0.0.1:${ports.auth}`,
    '  authentication: {type: local, second_factor: off}',
    'proxy_service:',
    '  enabled: yes',
    `  web_listen_addr: 127.0.0.1:${ports.web}`,
    `  listen_addr: 127.0.0.1:${ports.proxySsh}`,
    `  tunnel_listen_addr: 127.0.0.1:${ports.tunnel}`,
    `  public_addr: 127.0.0.1:${ports.web}`,
    `  kube_listen_addr: 127.0.0.1:${ports.kube}`,
    'ssh_service: {enabled: no}',
    'kubernetes_service:',
    '  enabled: yes',
    `  kubeconfig_file: ${kubeconfig}`,
    '  labels: {env: bench}',
    '',
  ].join('\n');
}

const ROLE = `kind: role
version: v7
metadata: {name: kube-bench}
spec:
  allow:
    kubernetes_labels: {env: bench}
    kubernetes_groups: [system:masters]
`;

const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.99) - 1)];
const fmt = (n, d = 1) => n.toFixed(d);

/** Keep-alive HTTPS GETs of the pod list from `clients` loops for `secs`; resolves requests per second. */
async function requestsPerSecond(target, clients, secs) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients, ca: target.ca, cert: target.cert, key: target.key, servername: target.servername });
  const url = new URL('/api/v1/namespaces/default/pods', target.server);
  const deadline = Date.now() + secs * 1000;
  let done = 0;
  let failed = 0;
  const one = () =>
    new Promise((resolve) => {
      const req = request(url, { agent, headers: { accept: 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) done++;
          else failed++;
          resolve();
        });
      });
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end();
    });
  const started = Date.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (Date.now() < deadline) await one();
  }));
  agent.destroy();
  if (failed > 0) log(`${failed} requests failed against ${target.server}`);
  return done / ((Date.now() - started) / 1000);
}

/** Server, CA and client credentials of a kubeconfig's current context (running an exec plugin when it has one). */
async function credentials(kubeconfig, env) {
  const cfg = parseYaml(await readFile(kubeconfig, 'utf8'));
  const ctx = cfg.contexts.find((c) => c.name === cfg['current-context']).context;
  const cluster = cfg.clusters.find((c) => c.name === ctx.cluster).cluster;
  const user = cfg.users.find((u) => u.name === ctx.user).user;
  let cert = user['client-certificate-data'] && Buffer.from(user['client-certificate-data'], 'base64').toString();
  let key = user['client-key-data'] && Buffer.from(user['client-key-data'], 'base64').toString();
  if (user.exec) {
    const r = await run(user.exec.command, user.exec.args ?? [], { env: { ...env, ...Object.fromEntries((user.exec.env ?? []).map((e) => [e.name, e.value])) } });
    const status = JSON.parse(r.stdout).status;
    cert = status.clientCertificateData;
    key = status.clientKeyData;
  }
  return { server: cluster.server, ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString(), cert, key, servername: cluster['tls-server-name'] };
}

/** A kubeconfig with `t`'s server, CA, server name and client certificate inline. */
function inlineKubeconfig(t) {
  const b64 = (x) => Buffer.from(x).toString('base64');
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'inline',
    clusters: [{ name: 'inline', cluster: { server: t.server, 'certificate-authority-data': b64(t.ca), ...(t.servername ? { 'tls-server-name': t.servername } : {}) } }],
    users: [{ name: 'inline', user: { 'client-certificate-data': b64(t.cert), 'client-key-data': b64(t.key) } }],
    contexts: [{ name: 'inline', context: { cluster: 'inline', user: 'inline' } }],
  });
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'bench-kube-'));
  log(`work dir ${dir}`);
  await buildDist();
  const standin = await loadStandIn();
  const api = await standin.startKubeAPIServer();
  api.addPod({ name: 'web' });
  let teleport;
  try {
    // Direct: kubectl with a system:masters certificate of the API server's CA.
    const direct = { ...process.env, HOME: join(dir, 'home-direct'), KUBECONFIG: join(dir, 'direct.kubeconfig') };
    await mkdir(direct.HOME, { recursive: true });
    await api.writeKubeconfig(direct.KUBECONFIG, await api.clientCert('bench-admin', ['system:masters']), { name: KUBE });
    // Ours: the kube service's own identity, which may impersonate (system:masters may).
    const agentKubeconfig = await api.writeKubeconfig(join(dir, 'agent.kubeconfig'), await api.clientCert('teleport-kube-agent', ['system:masters']), { name: KUBE });
    const ports = {};
    for (const k of ['auth', 'web', 'proxySsh', 'tunnel', 'kube']) ports[k] = await freePort();
    const config = join(dir, 'teleport.yaml');
    await writeFile(config, teleportYaml({ dataDir: join(dir, 'data'), ports, kubeconfig: agentKubeconfig }));
    const profDir = join(dir, 'cpu-prof');
    const nodeFlags = opts['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
    teleport = startServer(process.execPath, [...nodeFlags, bin('teleport'), 'start', '-c', config], { logFile: join(dir, 'teleport.log') });
    for (const k of ['auth', 'web', 'kube']) await waitForPort(ports[k], { child: teleport });
    const tctl = (...args) => run(bin('tctl'), ['-c', config, ...args]);
    await retry(() => tctl('status'));
    await writeFile(join(dir, 'role.yaml'), ROLE);
    await tctl('create', '-f', join(dir, 'role.yaml'));
    await acceptInvite(ports.web, (await tctl('users', 'add', USER, '--roles=kube-bench')).stdout);
    const ours = { ...process.env, HOME: join(dir, 'home-ours'), TELEPORT_HOME: join(dir, 'tsh-home'), KUBECONFIG: join(dir, 'ours.kubeconfig') };
    await mkdir(ours.HOME, { recursive: true });
    await run(bin('tsh'), ['login', `--proxy=127.0.0.1:${ports.web}`, `--user=${USER}`, '--insecure'], { env: ours, input: `${PASSWORD}\n` });
    await retry(() => run(bin('tsh'), ['kube', 'login', KUBE, '--insecure'], { env: ours }));
    const kubectl = (env, args, o = {}) => run('kubectl', args, { env, ...o });
    // Warm both (discovery caches, the exec plugin's certificate).
    for (const env of [direct, ours]) await retry(() => kubectl(env, ['get', 'pods']));

    const sides = [
      ['direct', direct],
      ['ours', ours],
    ];
    const results = [];
    /** Machine-readable rows for bench/all.mjs (BENCH_JSON). */
    const json = [];
    const targets = { direct: await credentials(direct.KUBECONFIG, direct), ours: await credentials(ours.KUBECONFIG, ours) };
    // The same proxied kubectl without the exec plugin: tsh kube credentials' certificate written inline,
    // which tells the proxy's share of the time from the plugin's (a tsh process per kubectl run).
    const inline = { ...ours, HOME: join(dir, 'home-inline'), KUBECONFIG: join(dir, 'inline.kubeconfig') };
    await mkdir(inline.HOME, { recursive: true });
    await writeFile(inline.KUBECONFIG, inlineKubeconfig(targets.ours));
    await retry(() => kubectl(inline, ['get', 'pods']));

    log(`kubectl get pods x ${opts.gets} each side`);
    const gets = { direct: [], ours: [], inline: [] };
    for (let i = 0; i < Number(opts.gets); i++) for (const [name, env] of [...sides, ['inline', inline]]) gets[name].push((await kubectl(env, ['get', 'pods'])).ms);
    const latency = (xs) => `${fmt(median(xs))} / ${fmt(p99(xs))}`;
    results.push({ row: 'kubectl get pods, tsh exec plugin (ms, median / p99)', direct: latency(gets.direct), ours: latency(gets.ours), ratio: median(gets.ours) / median(gets.direct) });
    results.push({ row: 'kubectl get pods, certificate inline (ms, median / p99)', direct: latency(gets.direct), ours: latency(gets.inline), ratio: median(gets.inline) / median(gets.direct) });
    json.push({ key: 'get-pods-plugin', path: 'kubectl get pods, tsh exec plugin', unit: 'ms', better: 'lower', direct: median(gets.direct), ours: median(gets.ours) });
    json.push({ key: 'get-pods-inline', path: 'kubectl get pods, certificate inline', unit: 'ms', better: 'lower', direct: median(gets.direct), ours: median(gets.inline) });

    for (const [transport, extra] of [
      ['websocket', {}],
      ['SPDY/3.1', { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }],
    ]) {
      log(`kubectl exec head -c ${opts.size} over ${transport}, ${opts.runs} runs each side`);
      const mbps = { direct: [], ours: [] };
      for (let i = 0; i < Number(opts.runs); i++) {
        for (const [name, env] of sides) {
          const r = await run('sh', ['-c', `kubectl exec web -- head -c ${SIZE} /dev/zero | wc -c`], { env: { ...env, ...extra } });
          if (Number(r.stdout.trim()) !== SIZE) throw new Error(`${name} exec over ${transport}: ${r.stdout.trim()} bytes, expected ${SIZE}\n${r.stderr}`);
          mbps[name].push(SIZE / 1024 / 1024 / (r.ms / 1000));
        }
      }
      results.push({ row: `kubectl exec head -c ${opts.size} over ${transport} (MiB/s)`, direct: fmt(median(mbps.direct)), ours: fmt(median(mbps.ours)), ratio: median(mbps.ours) / median(mbps.direct) });
      json.push({ key: `exec-${transport}`, path: `kubectl exec head -c ${opts.size} over ${transport}`, unit: 'MiB/s', better: 'higher', direct: median(mbps.direct), ours: median(mbps.ours) });
    }

    log(`GET pods from ${opts.clients} keep-alive clients for ${opts.secs} s each side`);
    const rps = { direct: [], ours: [] };
    for (let i = 0; i < Number(opts.runs); i++) for (const [name] of sides) rps[name].push(await requestsPerSecond(targets[name], Number(opts.clients), Number(opts.secs)));
    results.push({ row: `GET pods, ${opts.clients} clients (requests/s)`, direct: fmt(median(rps.direct), 0), ours: fmt(median(rps.ours), 0), ratio: median(rps.ours) / median(rps.direct) });
    json.push({ key: 'requests', path: `GET pods, ${opts.clients} keep-alive clients`, unit: 'requests/s', better: 'higher', direct: median(rps.direct), ours: median(rps.ours) });
    await writeJsonResults({ bench: 'kube', load: { start: loadAtStart, end: loadavg()[0] }, results: json });

    process.stdout.write(`\nkubectl ${(await run('kubectl', ['version', '--client'])).stdout.split('\n')[0]}; ${availableParallelism()} cores; load ${fmt(loadAtStart)} at start, ${fmt(loadavg()[0])} at end\n\n`);
    const w = Math.max(...results.map((r) => r.row.length));
    process.stdout.write(`${'row'.padEnd(w)}  ${'direct'.padStart(14)}  ${'ours'.padStart(14)}  ours/direct\n`);
    for (const r of results) process.stdout.write(`${r.row.padEnd(w)}  ${r.direct.padStart(14)}  ${r.ours.padStart(14)}  ${fmt(r.ratio, 2)}x\n`);
  } finally {
    if (teleport) await stopServer(teleport, 15_000);
    if (teleport && opts['cpu-prof']) {
      const { readdir } = await import('node:fs/promises');
      const { summarizeCpuProfile } = await import('./cpu-profile.mjs');
      for (const f of await readdir(join(dir, 'cpu-prof')).catch(() => [])) process.stdout.write(`\n${await summarizeCpuProfile(join(dir, 'cpu-prof', f), { top: 25, title: 'teleport (proxy + kubernetes_service)' })}\n`);
    }
    await api.close();
    await stopAll();
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
