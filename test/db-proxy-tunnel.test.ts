/**
 * `tsh proxy db --tunnel`: the stock psql and mysql clients reach a private PostgreSQL and MariaDB
 * through a local port with no certificate of their own (tsh carries each connection to the proxy's
 * web port over TLS with the database certificate, ALPN teleport-postgres / teleport-mysql). And the
 * MySQL greeting's version: a database's `mysql.server_version` when its agent learned none, else
 * `proxy_service.mysql_server_version`, else Teleport's `8.0.0-Teleport`.
 */
import { execFile } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { mysqlwire, readMysqlPacket } from '../src/db/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { startMariadb, type TestMariadb } from './helpers/mariadb-server.js';
import { freePort, startPostgres, type TestPostgres } from './helpers/postgres-server.js';
import { loginUser, type TshRun, type TshUser } from './helpers/tsh-user.js';

const run = promisify(execFile);
let c: TestCluster;
let pg: TestPostgres;
let maria: TestMariadb;
let user: TshUser;
const PROXY_VERSION = '5.7.99-set-on-proxy';
const DB_VERSION = '8.0.36-set-on-db';

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

async function client(cmd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { env: { PATH: process.env.PATH, HOME: c.dir, PGCONNECT_TIMEOUT: '10' } });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

/** Runs `tsh proxy db --tunnel <db> --port <port>` until `body` is done; returns what tsh printed. */
async function withTunnel(db: string, body: (port: number) => Promise<void>): Promise<TshRun> {
  const port = await freePort();
  const ctl = new AbortController();
  let started!: () => void;
  const ready = new Promise<void>((r) => (started = r));
  const done = user.tsh(['proxy', 'db', '--tunnel', db, '--port', String(port)], { sys: { signal: ctl.signal }, env: { PATH: process.env.PATH! } });
  // The listener is up once tsh printed its address; poll the port meanwhile.
  const poll = setInterval(() => {
    const s = netConnect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      started();
    });
    s.on('error', () => {});
  }, 100);
  try {
    await Promise.race([ready, done.then((r) => Promise.reject(new Error(`tsh proxy db ended: ${r.err}`)))]);
  } finally {
    clearInterval(poll);
  }
  try {
    await body(port);
  } finally {
    ctl.abort();
  }
  return done;
}

/** The server version of the greeting at `port`. */
async function greeting(port: number): Promise<{ serverVersion: string; capabilities: number }> {
  const s = netConnect({ host: '127.0.0.1', port });
  try {
    return mysqlwire.parseGreeting((await readMysqlPacket(s)).payload);
  } finally {
    s.destroy();
  }
}

beforeAll(async () => {
  const [pgPort, mariaPort, gonePort, gone2Port] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  c = await startCluster({
    proxyExtra: `mysql_listen_addr: 127.0.0.1:0\nmysql_server_version: ${PROXY_VERSION}`,
    extraSections: [
      'db_service:',
      '  enabled: yes',
      '  databases:',
      `  - {name: pg, protocol: postgres, uri: "127.0.0.1:${pgPort}", static_labels: {env: test}}`,
      `  - {name: maria, protocol: mysql, uri: "127.0.0.1:${mariaPort}", static_labels: {env: test}}`,
      // Never reachable: the agent learns nothing, so the configured version is what it reports.
      `  - {name: gone, protocol: mysql, uri: "127.0.0.1:${gonePort}", static_labels: {env: test}, mysql: {server_version: ${DB_VERSION}}}`,
      `  - {name: gone2, protocol: mysql, uri: "127.0.0.1:${gone2Port}", static_labels: {env: test}}`,
      '',
    ].join('\n'),
  });
  const signed = await tctl('auth', 'sign', '--format=db', '--host=localhost,127.0.0.1', '--out=server', '--ttl=2190h');
  expect(signed.code, signed.err).toBe(0);
  [pg, maria] = await Promise.all([startPostgres({ port: pgPort, certPrefix: join(c.dir, 'server') }), startMariadb({ port: mariaPort, certPrefix: join(c.dir, 'server') })]);
  await maria.sql("create user alice@'%' require x509; grant all on *.* to alice@'%';");
  const admin = await c.admin();
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'db-tunnel' }, spec: { allow: { db_labels: { env: 'test' }, db_users: ['alice', 'postgres'], db_names: ['*'] } } });
  user = await loginUser(c, 'tina', ['db-tunnel'], []);
  for (const [db, extra] of [['pg', ['--db-name=postgres']], ['maria', []], ['gone', []], ['gone2', []]] as const) {
    const r = await user.tsh(['db', 'login', db, `--db-user=${db === 'pg' ? 'postgres' : 'alice'}`, ...extra], { env: { PATH: process.env.PATH! } });
    expect(r.code, r.err).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await user?.cleanup();
  await Promise.all([pg?.close(), maria?.close()]);
  await c?.close();
});

describe('tsh proxy db --tunnel', () => {
  it('psql connects to the local port in plain text, without certificates', async () => {
    const printed = await withTunnel('pg', async (port) => {
      const r = await client('psql', [`host=127.0.0.1 port=${port} user=postgres dbname=postgres sslmode=disable`, '-Atc', 'select 40 + 2, current_user']);
      expect(r.err).toBe('');
      expect(r.out).toBe('42|postgres\n');
      // libpq's default (sslmode=prefer) asks for TLS first; the tunnel's far side says no and goes on.
      const prefer = await client('psql', [`host=127.0.0.1 port=${port} user=postgres dbname=postgres`, '-Atc', 'select 7']);
      expect(prefer).toMatchObject({ code: 0, out: '7\n' });
    });
    expect(printed.code).toBe(0);
    expect(printed.out).toMatch(/^Started authenticated tunnel for the PostgreSQL database "pg" in cluster "[^"]+" on 127\.0\.0\.1:\d+\.\n/);
    expect(printed.out).toMatch(/\n {2}\$ psql "postgres:\/\/postgres@localhost:\d+\/postgres"\n$/);
  });

  it('mysql connects to the local port without certificates; the greeting is the proxy\'s configured version until the agent learns the real one', async () => {
    const real = (await maria.sql('select version()')).trim();
    const printed = await withTunnel('maria', async (port) => {
      const r = await client('mysql', ['--no-defaults', '-h', '127.0.0.1', '-P', String(port), '-u', 'alice', '-N', '-B', '-e', 'select version(), current_user(), 6 * 7']);
      expect(r.err).toBe('');
      expect(r.out).toBe(`${real}\talice@%\t42\n`);
      const g = await greeting(port);
      // The agent could not reach MariaDB when it started (it came up later): the proxy's version,
      // until its next heartbeat (60 s) learns the real one.
      expect([PROXY_VERSION, real]).toContain(g.serverVersion);
      // TLS is already there (tsh to the proxy): the local side offers none.
      expect(g.capabilities & mysqlwire.CLIENT.SSL).toBe(0);
    });
    expect(printed.out).toContain('Started authenticated tunnel for the MySQL database "maria"');
    expect(printed.out).toMatch(/\$ (mysql|mariadb) --user alice --port \d+ --host 127\.0\.0\.1 --protocol TCP\n$/);
  });

  it('greets with the routed database\'s mysql.server_version, and a refused login still arrives as an ERR', async () => {
    await withTunnel('gone', async (port) => {
      expect((await greeting(port)).serverVersion).toBe(DB_VERSION);
      const r = await client('mysql', ['--no-defaults', '-h', '127.0.0.1', '-P', String(port), '-u', 'alice', '-e', 'select 1']);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/^ERROR \d+ \(\w+\)/);
    });
    await withTunnel('gone2', async (port) => {
      expect((await greeting(port)).serverVersion).toBe(PROXY_VERSION);
    });
  });

  it('mysql_listen_addr greets with mysql_server_version when the databases disagree', async () => {
    const g = await greeting(c.process.addresses.proxyMySQL!.port);
    expect(g.serverVersion).toBe(PROXY_VERSION);
    expect(g.capabilities & mysqlwire.CLIENT.SSL).toBeTruthy();
  });

  it('refuses without --tunnel, a bad port and a database not logged into, in words', async () => {
    const noTunnel = await user.tsh(['proxy', 'db', 'pg']);
    expect(noTunnel.code).not.toBe(0);
    expect(noTunnel.err).toContain('add --tunnel');
    const badPort = await user.tsh(['proxy', 'db', '--tunnel', 'pg', '--port', 'x']);
    expect(badPort.err).toContain('--port must be a port number from 1 to 65535, got "x"');
    const unknown = await user.tsh(['proxy', 'db', '--tunnel', 'nope']);
    expect(unknown.err).toContain('not logged into database "nope": run "tsh db login nope" first');
  });
});
