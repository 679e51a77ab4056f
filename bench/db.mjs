#!/usr/bin/env node
// PostgreSQL benchmark: pgbench straight to a private PostgreSQL 15 server, and the same pgbench
// through our proxy (web port, db_service in the same process, query audit on as always), in one
// run against the same server. Figures are medians of --runs, direct and proxied runs taking
// turns, printed as TPS and the ratio ours/direct.
//
//   node bench/db.mjs [--secs=20] [--runs=3] [--clients=8] [--threads=2] [--keep]
//
// Workloads: `pgbench -S` (select only), `pgbench` (TPC-B like, after `pgbench -i`), and
// `pgbench -C -S` (a new connection per transaction: the connection set-up rate).
// The server is configured as Teleport's self-hosted guide says: TLS files from
// `tctl auth sign --format=db`, `hostssl all all all cert`. The direct client authenticates with a
// certificate from a bench CA appended to ssl_ca_file (the same `cert` method); through the proxy,
// pgbench uses the libpq environment `tsh db env` prints after `tsh db login`.
import { appendFile, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { acceptInvite, buildDist, PASSWORD, retry } from './cluster.mjs';
import { freePort, median, run, startServer, stopAll, stopServer, waitForPort } from './run.mjs';

const { values: opts } = parseArgs({
  options: {
    secs: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    clients: { type: 'string', default: '8' },
    threads: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/db.mjs [--secs=20] [--runs=3] [--clients=8] [--threads=2] [--keep]\n');
  process.exit(0);
}
for (const k of ['secs', 'runs', 'clients', 'threads']) {
  if (!/^[1-9]\d*$/.test(opts[k])) throw new Error(`--${k}: expected a positive whole number, got ${opts[k]}`);
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(ROOT, 'bin', name);
const PG_BIN = '/usr/lib/postgresql/15/bin';
const DB = 'pg-bench';
const DB_USER = 'bench';
const USER = 'bench';
const asRoot = userInfo().uid === 0;
const loadAtStart = loadavg()[0];
const log = (text) => process.stderr.write(`bench: ${text}\n`);

/** PostgreSQL refuses to run as root: its commands run as the `postgres` account then. */
const asPostgres = (cmd, args) => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
const givePostgres = async (path) => {
  if (asRoot) await run('chown', ['-R', 'postgres:postgres', path]);
};

function teleportYaml({ dataDir, ports, pgPort }) {
  return [
    'version: v3',
    'teleport:',
    '  nodename: bench-db',
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
    `  public_addr: 127.0.0.1:${ports.web}`,
    'ssh_service: {enabled: no}',
    'db_service:',
    '  enabled: yes',
    '  databases:',
    `  - name: ${DB}`,
    '    protocol: postgres',
    `    uri: 127.0.0.1:${pgPort}`,
    '    static_labels: {env: bench}',
    '    tls: {mode: verify-full}',
    '',
  ].join('\n');
}

const ROLE = `kind: role
version: v7
metadata: {name: db-bench}
spec:
  allow:
    db_labels: {env: bench}
    db_users: [${DB_USER}]
    db_names: ['*']
`;

/** Our cluster with db_service for the server on `pgPort`; returns {pid, ports, tctl, close}. */
async function startCluster(dir, pgPort) {
  await mkdir(dir, { recursive: true });
  const ports = {};
  for (const k of ['auth', 'web', 'proxySsh', 'tunnel']) ports[k] = await freePort();
  const config = join(dir, 'teleport.yaml');
  await writeFile(config, teleportYaml({ dataDir: join(dir, 'data'), ports, pgPort }));
  const child = startServer(process.execPath, [bin('teleport'), 'start', '-c', config], { logFile: join(dir, 'teleport.log') });
  const tctl = (...args) => run(bin('tctl'), ['-c', config, ...args]);
  try {
    for (const k of ['auth', 'web']) await waitForPort(ports[k], { child });
    await retry(() => tctl('status'));
  } catch (err) {
    await stopServer(child, 15_000);
    throw new Error(`our cluster (log: ${join(dir, 'teleport.log')}): ${err.message}`, { cause: err });
  }
  return { pid: child.pid, ports, tctl, close: () => stopServer(child, 15_000) };
}

/**
 * A client CA of the bench's own and a certificate for `bench` from it (for the direct runs),
 * written beside the server's files; returns the paths.
 */
async function benchClientCert(dir) {
  const p = (n) => join(dir, n);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=bench client CA', '-keyout', p('client-ca.key'), '-out', p('client-ca.crt')]);
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-subj', `/CN=${DB_USER}`, '-keyout', p('client.key'), '-out', p('client.csr')]);
  await run('openssl', ['x509', '-req', '-in', p('client.csr'), '-CA', p('client-ca.crt'), '-CAkey', p('client-ca.key'),
    '-CAcreateserial', '-days', '2', '-out', p('client.crt')]);
  await chmod(p('client.key'), 0o600);
  return { ca: p('client-ca.crt'), cert: p('client.crt'), key: p('client.key') };
}

/**
 * PostgreSQL 15 on `port` in `dir`, TLS from `<certPrefix>.crt/.key/.cas` (ssl_ca_file: the
 * .cas plus `extraCa`), `hostssl all all all cert`, trust on its Unix socket for setup.
 * Returns {sql(statement), close()}.
 */
async function startPostgres({ dir, port, certPrefix, extraCa }) {
  await mkdir(dir, { recursive: true });
  const data = join(dir, 'data');
  await givePostgres(dir);
  await run(...asPostgres(`${PG_BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']));
  await writeFile(join(data, 'server.crt'), await readFile(`${certPrefix}.crt`));
  await writeFile(join(data, 'server.key'), await readFile(`${certPrefix}.key`), { mode: 0o600 });
  await writeFile(join(data, 'server.cas'), `${await readFile(`${certPrefix}.cas`, 'utf8')}\n${await readFile(extraCa, 'utf8')}`);
  await appendFile(join(data, 'postgresql.conf'), [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    'ssl = on',
    "ssl_cert_file = 'server.crt'",
    "ssl_key_file = 'server.key'",
    "ssl_ca_file = 'server.cas'",
    'max_connections = 200',
    '',
  ].join('\n'));
  await writeFile(join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all all cert\n');
  await givePostgres(dir);
  const child = startServer(...asPostgres(`${PG_BIN}/postgres`, ['-D', data]), { logFile: join(dir, 'postgres.log') });
  const sql = async (statement) =>
    (await run('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-Atc', statement])).stdout;
  await retry(() => sql('select 1'));
  return {
    sql,
    async close() {
      // Through pg_ctl: runuser does not pass a signal on to the server it started.
      await run(...asPostgres(`${PG_BIN}/pg_ctl`, ['stop', '-D', data, '-m', 'fast', '-w']), { allowFailure: true });
      await stopServer(child);
    },
  };
}

/** `export K=V` lines (`tsh db env`) as an object. */
function parseExports(text) {
  return Object.fromEntries([...text.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

/** The TPS pgbench reports. */
function tps(stdout) {
  const m = /^tps = ([\d.]+)/m.exec(stdout);
  if (!m) throw new Error(`no tps in pgbench output:\n${stdout}`);
  return Number(m[1]);
}

const WORKLOADS = [
  { name: 'select only (pgbench -S)', flags: ['-S'] },
  { name: 'TPC-B like (pgbench)', flags: [] },
  { name: 'connect per transaction (pgbench -C -S)', flags: ['-C', '-S'] },
];

const work = await mkdtemp(join(tmpdir(), 'bench-db-'));
const closers = [];
try {
  log(`working in ${work}`);
  await buildDist();
  const pgPort = await freePort();
  const cluster = await startCluster(join(work, 'cluster'), pgPort);
  closers.push(cluster.close);

  // The server's certificate from the cluster's db CA, as the self-hosted guide makes it.
  const certDir = join(work, 'certs');
  await mkdir(certDir);
  await cluster.tctl('auth', 'sign', '--format=db', '--host=localhost,127.0.0.1', `--out=${join(certDir, 'server')}`, '--ttl=2190h');
  const client = await benchClientCert(certDir);
  // Its own temp directory: the `postgres` account cannot enter the bench's (mode 0700).
  const pgDir = await mkdtemp(join(tmpdir(), 'bench-db-pg-'));
  closers.push(() => rm(pgDir, { recursive: true, force: true }));
  const pg = await startPostgres({ dir: pgDir, port: pgPort, certPrefix: join(certDir, 'server'), extraCa: client.ca });
  closers.push(pg.close);
  await pg.sql(`create role ${DB_USER} login superuser`);

  // The bench user logs in with tsh and then into the database.
  const roleFile = join(work, 'role.yaml');
  await writeFile(roleFile, ROLE);
  await cluster.tctl('create', '-f', roleFile);
  const invite = await cluster.tctl('users', 'add', USER, '--roles=db-bench');
  await acceptInvite(cluster.ports.web, invite.stdout);
  const home = join(work, 'home');
  await mkdir(home);
  const tshEnv = { ...process.env, HOME: home, TELEPORT_HOME: join(home, '.tsh') };
  const tsh = (...args) => run(bin('tsh'), ['--insecure', ...args], { env: tshEnv, input: `${PASSWORD}\n` });
  await tsh('login', `--proxy=127.0.0.1:${cluster.ports.web}`, `--user=${USER}`);
  // db_service heartbeats the database shortly after start.
  await retry(() => tsh('db', 'login', DB, `--db-user=${DB_USER}`, '--db-name=postgres'));
  const libpq = parseExports((await tsh('db', 'env', DB)).stdout);

  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  const sides = [
    {
      name: 'direct',
      env: { ...clean, HOME: home, PGHOST: '127.0.0.1', PGPORT: String(pgPort), PGUSER: DB_USER, PGDATABASE: 'postgres',
        PGSSLMODE: 'require', PGSSLCERT: client.cert, PGSSLKEY: client.key },
    },
    { name: 'ours', env: { ...clean, HOME: home, ...libpq } },
  ];
  for (const side of sides) {
    const check = await run('psql', ['-Atc', 'select current_user'], { env: side.env });
    if (check.stdout.trim() !== DB_USER) throw new Error(`${side.name}: psql says current_user is ${check.stdout.trim()}`);
  }
  log(`through the proxy: ${Object.entries(libpq).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  await run('pgbench', ['-i', '-q'], { env: sides[0].env });

  const base = ['-c', opts.clients, '-j', opts.threads, '-T', opts.secs];
  const samples = WORKLOADS.map(() => sides.map(() => []));
  for (let i = 0; i < Number(opts.runs); i++) {
    for (const [w, workload] of WORKLOADS.entries()) {
      for (const [s, side] of sides.entries()) {
        const out = await run('pgbench', [...workload.flags, ...base], { env: side.env });
        samples[w][s].push(tps(out.stdout));
        log(`run ${i + 1}: ${workload.name}, ${side.name}: ${tps(out.stdout).toFixed(0)} TPS`);
      }
    }
  }

  const rows = WORKLOADS.map((w, i) => {
    const [direct, ours] = samples[i].map(median);
    return [w.name, direct.toFixed(0), ours.toFixed(0), (ours / direct).toFixed(2)];
  });
  const header = ['workload', 'direct TPS', 'ours TPS', 'ours/direct'];
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((l) => l[i].length)));
  const fmt = (l) => '| ' + l.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  const pgbenchVersion = (await run('pgbench', ['--version'])).stdout.trim();
  process.stdout.write([
    `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${pgbenchVersion}`,
    `pgbench ${base.join(' ')}, scale 1, ${opts.runs} runs per row (direct and ours taking turns), medians`,
    'direct: TLS (sslmode=require) and a client certificate; ours: the `tsh db env` settings (verify-full to the proxy\'s web port), db_service in the same process, query audit on',
    `load average (1 min) at start ${loadAtStart.toFixed(1)}, at end ${loadavg()[0].toFixed(1)}`,
    '',
    fmt(header),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...rows.map(fmt),
    '',
  ].join('\n'));
} finally {
  for (const close of closers.reverse()) await close().catch((err) => log(`closing: ${err.message}`));
  await stopAll();
  if (opts.keep) log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
