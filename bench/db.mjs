#!/usr/bin/env node
// PostgreSQL benchmark: pgbench straight to a private PostgreSQL 15 server, and the same pgbench
// through our proxy (web port, db_service in the same process, query audit on as always), in one
// run against the same server. Figures are medians of --runs, direct and proxied runs taking
// turns, printed as TPS and the ratio ours/direct.
//
//   node bench/db.mjs [--secs=20] [--runs=3] [--clients=8] [--threads=2] [--mysql-queries=20000]
//                     [--only=postgres|mysql] [--keep] [--profile]
//
// Beside the TPS, the CPU each side spent per transaction: the PostgreSQL server's (the postmaster
// and its ended backends, from /proc) and, through the proxy, our teleport process's. With
// --profile, teleport runs under `node --cpu-prof` and the profile's summary is printed.
//
// Workloads: `pgbench -S` (select only), `pgbench` (TPC-B like, after `pgbench -i`), and
// `pgbench -C -S` (a new connection per transaction: the connection set-up rate).
// The server is configured as Teleport's self-hosted guide says: TLS files from
// `tctl auth sign --format=db`, `hostssl all all all cert`. The direct client authenticates with a
// certificate from a bench CA appended to ssl_ca_file (the same `cert` method); through the proxy,
// pgbench uses the libpq environment `tsh db env` prints after `tsh db login`.
// MySQL: `mysqlslap --auto-generate-sql` (read load, and write load) with --clients connections and
// --mysql-queries queries, and with `--detach=1` (a new connection per query, a tenth of the queries),
// straight to a private mariadbd (a `REQUIRE X509` user) and through mysql_listen_addr with the
// ~/.my.cnf group `tsh db login` writes; figures in queries per second.
import { appendFile, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { acceptInvite, buildDist, PASSWORD, retry } from './cluster.mjs';
import { monotonicUs, summarizeCpuProfile } from './cpu-profile.mjs';
import { freePort, median, run, startServer, stopAll, stopServer, waitForPort, writeJsonResults } from './run.mjs';

const { values: opts } = parseArgs({
  options: {
    secs: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    clients: { type: 'string', default: '8' },
    threads: { type: 'string', default: '2' },
    'mysql-queries': { type: 'string', default: '20000' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/db.mjs [--secs=20] [--runs=3] [--clients=8] [--threads=2] [--mysql-queries=20000]\n' +
    '                         [--only=postgres|mysql] [--keep] [--profile]\n');
  process.exit(0);
}
for (const k of ['secs', 'runs', 'clients', 'threads', 'mysql-queries']) {
  if (!/^[1-9]\d*$/.test(opts[k])) throw new Error(`--${k}: expected a positive whole number, got ${opts[k]}`);
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(ROOT, 'bin', name);
const PG_BIN = '/usr/lib/postgresql/15/bin';
if (opts.only && !['postgres', 'mysql'].includes(opts.only)) throw new Error(`--only: expected postgres or mysql, got ${opts.only}`);
const withPg = opts.only !== 'mysql';
const withMysql = opts.only !== 'postgres';
const DB = 'pg-bench';
const MYSQL_DB = 'maria-bench';
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

function teleportYaml({ dataDir, ports, pgPort, mysqlPort }) {
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
    `  mysql_listen_addr: 127.0.0.1:${ports.mysql}`,
    'ssh_service: {enabled: no}',
    'db_service:',
    '  enabled: yes',
    '  databases:',
    `  - name: ${DB}`,
    '    protocol: postgres',
    `    uri: 127.0.0.1:${pgPort}`,
    '    static_labels: {env: bench}',
    '    tls: {mode: verify-full}',
    `  - name: ${MYSQL_DB}`,
    '    protocol: mysql',
    `    uri: 127.0.0.1:${mysqlPort}`,
    '    static_labels: {env: bench}',
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
async function startCluster(dir, pgPort, mysqlPort) {
  await mkdir(dir, { recursive: true });
  const ports = {};
  for (const k of ['auth', 'web', 'proxySsh', 'tunnel', 'mysql']) ports[k] = await freePort();
  const config = join(dir, 'teleport.yaml');
  await writeFile(config, teleportYaml({ dataDir: join(dir, 'data'), ports, pgPort, mysqlPort }));
  const profileDir = join(dir, 'cpu-profile');
  const profFlags = opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = startServer(process.execPath, [...profFlags, bin('teleport'), 'start', '-c', config], { logFile: join(dir, 'teleport.log') });
  const tctl = (...args) => run(bin('tctl'), ['-c', config, ...args]);
  try {
    for (const k of ['auth', 'web']) await waitForPort(ports[k], { child });
    await retry(() => tctl('status'));
  } catch (err) {
    await stopServer(child, 15_000);
    throw new Error(`our cluster (log: ${join(dir, 'teleport.log')}): ${err.message}`, { cause: err });
  }
  return { pid: child.pid, ports, tctl, profileDir, close: () => stopServer(child, 15_000) };
}

/** CPU microseconds `pid` has used (with `children`: also its waited-for children, e.g. ended backends). */
async function cpuUs(pid, children = false) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  // Fields 14-17 (utime, stime, cutime, cstime) in clock ticks (100 per second on Linux).
  const ticks = f[11] + f[12] + (children ? f[13] + f[14] : 0);
  return ticks * 10_000;
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
  const postmaster = Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  return {
    sql,
    /** CPU µs of the server: the postmaster and the backends that have ended. */
    cpu: () => cpuUs(postmaster, true),
    async close() {
      // Through pg_ctl: runuser does not pass a signal on to the server it started.
      await run(...asPostgres(`${PG_BIN}/pg_ctl`, ['stop', '-D', data, '-m', 'fast', '-w']), { allowFailure: true });
      await stopServer(child);
    },
  };
}

/**
 * MariaDB in `dir` on `port`, no option files read, TLS from `<certPrefix>.crt/.key` and ssl-ca the
 * .cas plus `extraCa`. Returns {sql(statement) as root over its socket, close()}.
 */
async function startMariadb({ dir, port, certPrefix, extraCa }) {
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const user = userInfo().username;
  await writeFile(join(dir, 'ca.pem'), `${await readFile(`${certPrefix}.cas`, 'utf8')}\n${await readFile(extraCa, 'utf8')}`);
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, `--user=${user}`, '--auth-root-authentication-method=normal', '--skip-test-db']);
  const child = startServer('mariadbd', [
    '--no-defaults', `--datadir=${data}`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${socket}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`, `--user=${user}`, '--skip-log-bin', '--max-connections=300',
    `--ssl-ca=${join(dir, 'ca.pem')}`, `--ssl-cert=${certPrefix}.crt`, `--ssl-key=${certPrefix}.key`,
  ], { logFile: join(dir, 'mariadbd.log') });
  const sql = async (statement) => (await run('mariadb', ['--no-defaults', '-S', socket, '-uroot', '-N', '-B', '-e', statement])).stdout;
  await retry(() => sql('select 1'));
  return { sql, close: () => stopServer(child, 15_000) };
}

/** mysqlslap's average seconds to run all queries, as queries per second. */
function mysqlslapQps(stdout, queries) {
  const m = /Average number of seconds to run all queries: ([\d.]+) seconds/.exec(stdout);
  if (!m) throw new Error(`no average in mysqlslap output:\n${stdout}`);
  return queries / Number(m[1]);
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

const MYSQL_QUERIES = Number(opts['mysql-queries']);
const MYSQL_WORKLOADS = [
  { name: 'read (mysqlslap --auto-generate-sql)', queries: MYSQL_QUERIES, flags: ['--auto-generate-sql-load-type=read'] },
  { name: 'write (mysqlslap --auto-generate-sql)', queries: MYSQL_QUERIES, flags: ['--auto-generate-sql-load-type=write'] },
  { name: 'connect per query (mysqlslap --detach=1)', queries: Math.max(1, Math.round(MYSQL_QUERIES / 10)), flags: ['--auto-generate-sql-load-type=read', '--detach=1'] },
];

const WORKLOADS = [
  { name: 'select only (pgbench -S)', flags: ['-S'] },
  { name: 'TPC-B like (pgbench)', flags: [] },
  { name: 'connect per transaction (pgbench -C -S)', flags: ['-C', '-S'] },
];

/** A markdown table of `rows` under `header`. */
function table(header, rows) {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((l) => l[i].length)));
  const fmt = (l) => '| ' + l.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [fmt(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(fmt)].join('\n');
}

/**
 * Runs every workload on both sides `runs` times, direct and ours taking turns; `sample(workload,
 * side)` resolves to one figure. Returns the table rows: name, direct median, ours median, ratio.
 */
/** The medians measure() found, for writeJsonResults (bench/all.mjs). */
const jsonResults = [];
/** Per PostgreSQL workload, the [start, end] of its runs through us (the profile's windows). */
const profileWindows = new Map();

async function measure(workloads, sides, sample, unit) {
  const samples = workloads.map(() => sides.map(() => []));
  for (let i = 0; i < Number(opts.runs); i++) {
    for (const [w, workload] of workloads.entries()) {
      for (const [s, side] of sides.entries()) {
        const figure = await sample(workload, side);
        samples[w][s].push(figure);
        log(`run ${i + 1}: ${workload.name}, ${side.name}: ${figure.toFixed(0)} ${unit}`);
      }
    }
  }
  return workloads.map((w, i) => {
    const [direct, ours] = samples[i].map(median);
    jsonResults.push({ workload: w.name, unit, direct, ours });
    return [w.name, direct.toFixed(0), ours.toFixed(0), (ours / direct).toFixed(2)];
  });
}

const work = await mkdtemp(join(tmpdir(), 'bench-db-'));
const closers = [];
try {
  log(`working in ${work}`);
  await buildDist();
  const [pgPort, mysqlPort] = [await freePort(), await freePort()];
  const cluster = await startCluster(join(work, 'cluster'), pgPort, mysqlPort);
  closers.push(cluster.close);

  // The servers' certificate from the cluster's db CA, as the self-hosted guides make it.
  const certDir = join(work, 'certs');
  await mkdir(certDir);
  await cluster.tctl('auth', 'sign', '--format=db', '--host=localhost,127.0.0.1', `--out=${join(certDir, 'server')}`, '--ttl=2190h');
  const client = await benchClientCert(certDir);

  // The bench user logs in with tsh.
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
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PG|MYSQL)/.test(k)));
  const out = [
    `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`,
    `${opts.runs} runs per row (direct and ours taking turns), medians; db_service in the proxy's process, query audit on`,
  ];

  if (withPg) {
    // Its own temp directory: the `postgres` account cannot enter the bench's (mode 0700).
    const pgDir = await mkdtemp(join(tmpdir(), 'bench-db-pg-'));
    closers.push(() => rm(pgDir, { recursive: true, force: true }));
    const pg = await startPostgres({ dir: pgDir, port: pgPort, certPrefix: join(certDir, 'server'), extraCa: client.ca });
    closers.push(pg.close);
    await pg.sql(`create role ${DB_USER} login superuser`);
    // db_service heartbeats the database shortly after start.
    await retry(() => tsh('db', 'login', DB, `--db-user=${DB_USER}`, '--db-name=postgres'));
    const libpq = parseExports((await tsh('db', 'env', DB)).stdout);
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
    // CPU per transaction: the server's and ours, per workload and side (medians).
    const cpu = WORKLOADS.map(() => sides.map(() => ({ pg: [], ours: [] })));
    const rows = await measure(WORKLOADS, sides, async (w, side) => {
      const before = [await pg.cpu(), await cpuUs(cluster.pid)];
      const t0 = monotonicUs();
      const { stdout } = await run('pgbench', [...w.flags, ...base], { env: side.env });
      if (side.name === 'ours') profileWindows.set(w.name, [...(profileWindows.get(w.name) ?? []), [t0, monotonicUs()]]);
      // The backends of the run have ended once pgbench has: their time is in the postmaster's.
      await new Promise((r) => setTimeout(r, 200));
      const after = [await pg.cpu(), await cpuUs(cluster.pid)];
      const tx = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? 0);
      const slot = cpu[WORKLOADS.indexOf(w)][sides.indexOf(side)];
      if (tx > 0) {
        slot.pg.push((after[0] - before[0]) / tx);
        slot.ours.push((after[1] - before[1]) / tx);
      }
      return tps(stdout);
    }, 'TPS');
    const cpuRows = WORKLOADS.map((w, i) => {
      const [d, o] = cpu[i];
      const f = (a) => (a.length > 0 ? median(a).toFixed(0) : '-');
      return [w.name, f(d.pg), f(o.pg), f(o.ours)];
    });
    const version = (await run('pgbench', ['--version'])).stdout.trim();
    out.push(
      '',
      `PostgreSQL 15, ${version}: pgbench ${base.join(' ')}, scale 1`,
      "direct: TLS (sslmode=require) with a client certificate; ours: the `tsh db env` settings (verify-full to the proxy's web port)",
      '',
      table(['workload', 'direct TPS', 'ours TPS', 'ours/direct'], rows),
      '',
      'CPU per transaction (µs, /proc, 10 ms ticks): the PostgreSQL server direct and through us, and our teleport process',
      '',
      table(['workload', 'PostgreSQL direct', 'PostgreSQL via ours', 'teleport (ours)'], cpuRows),
    );
  }

  if (withMysql) {
    const myDir = join(work, 'mariadb');
    await mkdir(myDir);
    const my = await startMariadb({ dir: myDir, port: mysqlPort, certPrefix: join(certDir, 'server'), extraCa: client.ca });
    closers.push(my.close);
    // Certificate logins only: no password, a client certificate from a CA in ssl-ca.
    await my.sql(`create user ${DB_USER}@'%' require x509; grant all on *.* to ${DB_USER}@'%';`);
    await retry(() => tsh('db', 'login', MYSQL_DB, `--db-user=${DB_USER}`));
    const sides = [
      {
        name: 'direct',
        args: ['--no-defaults', '--protocol=tcp', '--host=127.0.0.1', `--port=${mysqlPort}`, `--user=${DB_USER}`,
          // Like sslmode=require: no check of the server's certificate. --ssl-ca names a small file
          // all the same: without it the client reads the system CA store on every connection
          // (some 40 ms of CPU each, which made --detach=1 direct slower than through the proxy).
          '--ssl', `--ssl-ca=${join(certDir, 'server.cas')}`, `--ssl-cert=${client.cert}`, `--ssl-key=${client.key}`],
      },
      // The ~/.my.cnf group tsh db login wrote (mysql_listen_addr, tsh's certificate).
      { name: 'ours', args: [`--defaults-group-suffix=_bench.localhost-${MYSQL_DB}`] },
    ];
    const env = { ...clean, HOME: home };
    for (const side of sides) {
      const check = await run('mariadb', [...side.args, '-N', '-B', '-e', 'select current_user()'], { env });
      if (check.stdout.trim() !== `${DB_USER}@%`) throw new Error(`${side.name}: mariadb says current_user() is ${check.stdout.trim()}`);
    }
    const rows = await measure(MYSQL_WORKLOADS, sides, async (w, side) => {
      const args = [...side.args, '--auto-generate-sql', ...w.flags, `--concurrency=${opts.clients}`, `--number-of-queries=${w.queries}`, '--iterations=1'];
      return mysqlslapQps((await run('mysqlslap', args, { env })).stdout, w.queries);
    }, 'queries/s');
    out.push(
      '',
      `MariaDB ${(await my.sql('select version()')).trim()}: mysqlslap --concurrency=${opts.clients}, ${MYSQL_QUERIES} queries (--detach=1: ${MYSQL_WORKLOADS[2].queries})`,
      "direct: TLS with a client certificate, server not verified; ours: the ~/.my.cnf group `tsh db login` writes (mysql_listen_addr, server verified)",
      '',
      table(['workload', 'direct queries/s', 'ours queries/s', 'ours/direct'], rows),
    );
  }
  out.push('', `load average (1 min) at start ${loadAtStart.toFixed(1)}, at end ${loadavg()[0].toFixed(1)}`, '');
  await writeJsonResults({ bench: 'db', results: jsonResults });
  if (opts.profile) {
    await cluster.close();
    for (const f of (await readdir(cluster.profileDir)).filter((n) => n.endsWith('.cpuprofile'))) {
      for (const [name, windows] of profileWindows) {
        out.push(await summarizeCpuProfile(join(cluster.profileDir, f), { windows, title: `teleport (proxy + db_service + auth) during ${name} through it` }), '');
      }
    }
  }
  process.stdout.write(out.join('\n'));
} finally {
  for (const close of closers.reverse()) await close().catch((err) => log(`closing: ${err.message}`));
  await stopAll();
  if (opts.keep) log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
