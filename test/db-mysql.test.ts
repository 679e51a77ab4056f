/**
 * MySQL database access end to end with a real MariaDB server and the stock `mariadb` client: a
 * private mariadbd configured from `tctl auth sign --format=db` output (ssl-ca = server.cas, a user
 * created `REQUIRE X509` with no password), a database agent on another host joined through the
 * proxy with a db token (so its first heartbeat carries the server version it learned), and
 * `tsh db login` writing the `[client_<cluster>-<db>]` group of ~/.my.cnf that
 * `mariadb --defaults-group-suffix=_<cluster>-<db>` reads to reach `mysql_listen_addr`. A db user
 * the roles do not allow gets the ERR text; queries reach the audit log.
 */
import { execFile } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { loadConfigFile } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { TeleportProcess } from '../src/service/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { startMariadb, type TestMariadb } from './helpers/mariadb-server.js';
import { freePort } from './helpers/postgres-server.js';
import { mysqlwire, readMysqlPacket } from '../src/db/index.js';
import { loginUser, type TshUser } from './helpers/tsh-user.js';

const run = promisify(execFile);
let c: TestCluster;
let db: TestMariadb;
let admin: AuthClient;
let agent: TeleportProcess;
let agentDir: string;
let user: TshUser;

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

/** The stock client with the option group tsh wrote (in the user's ~/.my.cnf); exit code and output. */
async function mariadb(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run('mariadb', [`--defaults-group-suffix=_${c.clusterName}-maria`, '--connect-timeout=10', ...args], { env: { PATH: process.env.PATH, HOME: user.home }, maxBuffer: 64 << 20 });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

async function waitForEvent(type: string, match: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { events } = await admin.searchEvents({ types: [type], limit: 500 });
    const found = (events as Record<string, unknown>[]).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${type} event matched`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  c = await startCluster({ proxyExtra: 'mysql_listen_addr: 127.0.0.1:0' });
  const signed = await tctl('auth', 'sign', '--format=db', '--host=localhost,127.0.0.1', '--out=server', '--ttl=2190h');
  expect(signed.code, signed.err).toBe(0);
  db = await startMariadb({ port: await freePort(), certPrefix: join(c.dir, 'server') });
  // Certificate logins only: no password, a client certificate from a CA in ssl-ca.
  await db.sql("create user alice@'%' require x509; grant all on *.* to alice@'%'; create user bob@'%' require x509;");
  admin = await c.admin();
  await admin.createResource({
    kind: 'role',
    version: 'v7',
    metadata: { name: 'db-maria' },
    // db_names do not bind MySQL sessions (Teleport enforces them for PostgreSQL only).
    spec: { allow: { db_labels: { env: 'test' }, db_users: ['alice'], db_names: ['appdb'] } },
  });
  // The database agent on its own host, joined through the proxy with a db token.
  const tokens = await tctl('tokens', 'add', '--type=db', '--format=text');
  expect(tokens.code, tokens.err).toBe(0);
  const pin = (await admin.status()).cas.find((x) => x.type === 'host')!.pins[0];
  agentDir = await mkdtemp(join(tmpdir(), 'tp-mysqlagent-'));
  const configPath = join(agentDir, 'teleport.yaml');
  await writeFile(
    configPath,
    [
      'version: v3',
      'teleport:',
      '  nodename: maria-host',
      `  data_dir: ${join(agentDir, 'data')}`,
      `  auth_token: ${tokens.out.trim()}`,
      `  ca_pin: ${pin}`,
      `  proxy_server: ${c.webAddr}`,
      '  log: {output: stderr, severity: ERROR}',
      'auth_service: {enabled: no}',
      'proxy_service: {enabled: no}',
      'ssh_service: {enabled: no}',
      'db_service:',
      '  enabled: yes',
      '  databases:',
      '  - name: maria',
      '    description: MariaDB on the host',
      '    protocol: mysql',
      `    uri: 127.0.0.1:${db.port}`,
      '    static_labels: {env: test}',
      '',
    ].join('\n'),
  );
  agent = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
  await agent.start();
  user = await loginUser(c, 'mia', ['db-maria', 'access'], []);
}, 120_000);

afterAll(async () => {
  await user?.cleanup();
  await agent?.close();
  if (agentDir) await rm(agentDir, { recursive: true, force: true });
  await db?.close();
  await c?.close();
});

describe('MySQL through the proxy', () => {
  it('tsh db login writes the ~/.my.cnf group the mariadb client reads, through mysql_listen_addr', async () => {
    const ls = await user.tsh(['db', 'ls'], { columns: 200 });
    expect(ls.out).toMatch(/maria\s+MariaDB on the host\s+\[alice\]\s+env=test/);
    const login = await user.tsh(['db', 'login', 'maria', '--db-user=alice'], { env: { PATH: process.env.PATH! } });
    expect(login.err).toBe('');
    expect(login.out).toContain('Connection information for database "maria" has been saved.');
    const cnf = await readFile(join(user.home, '.my.cnf'), 'utf8');
    const port = c.process.addresses.proxyMySQL!.port;
    expect(cnf).toContain(`[client_${c.clusterName}-maria]\nhost=127.0.0.1\nport=${port}\nuser=alice\nssl-verify-server-cert\nssl-ca=`);
    const r = await mariadb(['-N', '-B', '-e', 'select current_user(), 40 + 2']);
    expect(r.err).toBe('');
    expect(r.out).toBe('alice@%\t42\n');
  });

  it('greets with the server version the agent learned', async () => {
    const real = (await db.sql('select version()')).trim();
    const r = await mariadb(['-e', 'status']);
    expect(r.err).toBe('');
    expect(r.out).toMatch(new RegExp(`Server version:\\s+${real.replace(/[.+]/g, '\\$&')}`));
    expect(r.out).toContain('Cipher in use');
  });

  it('refuses a database user the roles do not allow, in the client\'s own ERROR line', async () => {
    const r = await mariadb(['--user=bob', '-e', 'select 1']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('ERROR 1045 (28000): access to db denied. User does not have permissions. Confirm database user and name.');
    expect(r.err).toContain('database user "bob" is not in db_users');
    const refused = await waitForEvent('db.session.start', (e) => e.db_user === 'bob' && e.code === 'TDB00W');
    expect(refused).toMatchObject({ user: 'mia', db_service: 'maria', db_protocol: 'mysql', success: false });
  });

  it('audits sessions and their queries (a database outside db_names: not enforced for MySQL)', async () => {
    const r = await mariadb(['--database=mysql', '-e', 'select 6 * 7 as audited']);
    expect(r.err).toBe('');
    const q = await waitForEvent('db.session.query', (e) => e.db_query === 'select 6 * 7 as audited');
    expect(q).toMatchObject({ code: 'TDB02I', user: 'mia', db_service: 'maria', db_protocol: 'mysql', db_user: 'alice' });
    await waitForEvent('db.session.start', (e) => e.sid === q.sid && e.code === 'TDB00I');
    await waitForEvent('db.session.end', (e) => e.sid === q.sid && e.code === 'TDB01I');
  });

  it('relays large results and several statements in one query', async () => {
    const big = await mariadb(['-N', '-B', '-e', "select length(repeat('x', 10000000)), repeat('y', 3000000); select 1; select 2"]);
    expect(big.err).toBe('');
    const lines = big.out.split('\n');
    expect(lines[0]).toBe(`10000000\t${'y'.repeat(3_000_000)}`);
    expect(lines.slice(1)).toEqual(['1', '2', '']);
  });

  it('audits USE (init_db) and the binary protocol\'s prepare, execute and close; refuses COM_CHANGE_USER', async () => {
    const use = await mariadb(['-N', '-B', '-e', 'use mysql; select database()']);
    expect(use.out).toBe('mysql\n');
    const initDb = await waitForEvent('db.session.mysql.init_db', (e) => e.schema_name === 'mysql');
    expect(initDb).toMatchObject({ code: 'TMY07I', user: 'mia', db_service: 'maria', db_user: 'alice', db_name: 'mysql' });
    // The session plays back as its statements after the client's prompt, and is listed.
    await waitForEvent('db.session.end', (e) => e.sid === initDb.sid);
    const played = await user.tsh(['play', String(initDb.sid), '--format=text']);
    expect(played.err).toBe('');
    expect(played.out).toMatch(/^Session started to database "maria" at /);
    expect(played.out).toContain('\nmysql [(none)]> USE mysql\n');
    expect(played.out).toContain('\nmysql [mysql]> select database()\n');
    expect(played.out).toMatch(/\nSession ended at .* UTC\n$/);
    expect((await user.tsh(['recordings', 'ls'])).out).toMatch(new RegExp(`${String(initDb.sid)}\\s+mysql\\s+mia\\s+mysql`));
    // A driver's prepared statement, spoken with the same wire codec over the login's files.
    const cnf = await readFile(join(user.home, '.my.cnf'), 'utf8');
    const file = (k: string) => readFile(new RegExp(`^${k}=(.*)$`, 'm').exec(cnf)![1], 'utf8');
    const tcp = netConnect({ host: '127.0.0.1', port: c.process.addresses.proxyMySQL!.port });
    const greeting = mysqlwire.parseGreeting((await readMysqlPacket(tcp)).payload);
    expect(greeting.capabilities & mysqlwire.CLIENT.SSL).toBeTruthy();
    const base = { capabilities: mysqlwire.PROXY_CAPABILITIES & ~mysqlwire.CLIENT.CONNECT_ATTRS, maxPacket: 1 << 24, charset: 45 };
    tcp.write(mysqlwire.packet(1, mysqlwire.encodeHandshakeResponse(base)));
    const tls = tlsConnect({ socket: tcp, ca: await file('ssl-ca'), cert: await file('ssl-cert'), key: await file('ssl-key'), checkServerIdentity: () => undefined });
    await new Promise((r) => tls.once('secureConnect', r));
    tls.write(mysqlwire.packet(2, mysqlwire.encodeHandshakeResponse({ ...base, user: 'alice', authResponse: Buffer.alloc(0), authPlugin: mysqlwire.AUTH_PLUGIN })));
    expect((await readMysqlPacket(tls)).payload[0]).toBe(0x00);
    tls.write(mysqlwire.packet(0, Buffer.concat([Buffer.from([0x16]), Buffer.from('select ? + 1 as prepared_here')])));
    const prepared = await readMysqlPacket(tls);
    expect(prepared.payload[0]).toBe(0x00);
    const id = prepared.payload.readUInt32LE(1);
    const idBytes = Buffer.alloc(4);
    idBytes.writeUInt32LE(id);
    // COM_STMT_EXECUTE: no cursor, one iteration, no NULLs, the parameter typed LONGLONG, 41.
    const value = Buffer.alloc(8);
    value.writeBigInt64LE(41n);
    tls.write(mysqlwire.packet(0, Buffer.concat([Buffer.from([0x17]), idBytes, Buffer.from([0, 1, 0, 0, 0, 0, 1, 0x08, 0]), value])));
    tls.write(mysqlwire.packet(0, Buffer.concat([Buffer.from([0x19]), idBytes])));
    // COM_CHANGE_USER to bob (REQUIRE X509 would take the certificate) is refused by the agent.
    tls.write(mysqlwire.packet(0, Buffer.from([0x11, ...Buffer.from('bob\0'), 0, 0])));
    let answer = await readMysqlPacket(tls, 1 << 24);
    for (let i = 0; i < 50 && answer.payload[0] !== 0xff; i++) answer = await readMysqlPacket(tls, 1 << 24);
    expect(mysqlwire.parseError(answer.payload).message).toContain('changing the database user within a session is not allowed');
    tls.end(mysqlwire.packet(0, Buffer.from([0x01])));
    tls.resume();
    const prepare = await waitForEvent('db.session.mysql.statements.prepare', (e) => e.db_query === 'select ? + 1 as prepared_here');
    expect(prepare).toMatchObject({ code: 'TMY00I', user: 'mia', db_user: 'alice' });
    await waitForEvent('db.session.mysql.statements.execute', (e) => e.sid === prepare.sid && e.statement_id === id && e.code === 'TMY01I');
    await waitForEvent('db.session.mysql.statements.close', (e) => e.sid === prepare.sid && e.statement_id === id && e.code === 'TMY03I');
  });

  it('tsh db config and connect, and logout removes the group', async () => {
    const env = { PATH: process.env.PATH! };
    const cmd = await user.tsh(['db', 'config', '--format=cmd'], { env });
    expect(cmd.out).toBe(`mariadb --defaults-group-suffix=_${c.clusterName}-maria --user=alice\n`);
    const text = await user.tsh(['db', 'config'], { env });
    expect(text.out).toMatch(new RegExp(`^Name:\\s+maria\\nHost:\\s+127\\.0\\.0\\.1\\nPort:\\s+${c.process.addresses.proxyMySQL!.port}\\nUser:\\s+alice\\n`));
    expect((await user.tsh(['db', 'env'], { env })).err).toContain(`--defaults-group-suffix=_${c.clusterName}-maria`);
    const connect = await user.tsh(['db', 'connect'], { env, stdin: 'select 6 * 7 as answer;\n' });
    expect(connect.err).toBe('');
    expect(connect.code).toBe(0);
    expect(connect.out).toBe('answer\n42\n');
    const logout = await user.tsh(['db', 'logout', 'maria'], { env });
    expect(logout.out).toContain('Logged out of database maria');
    expect(await readFile(join(user.home, '.my.cnf'), 'utf8')).not.toContain('client_');
  });
});
