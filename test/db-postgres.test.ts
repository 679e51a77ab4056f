/**
 * Database access end to end with the real PostgreSQL 15 and psql: a private server configured
 * from `tctl auth sign --format=db` output (`hostssl all all all cert`, ssl_ca_file = server.cas),
 * a cluster whose db_service proxies it, and psql through the proxy's web port with a user
 * certificate carrying the route to the database. Refusals (a db user the roles do not allow, a
 * certificate without a route, no client certificate, an unknown database) reach psql as its own
 * error with the reason; sessions and queries reach the audit log.
 */
import { execFile, spawn } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import type { RouteToDatabaseWire } from '../src/api/auth-wire.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { loadConfigFile } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { TeleportProcess } from '../src/service/index.js';
import { startCluster, startProxy, type TestCluster } from './helpers/cluster.js';
import { loginUser } from './helpers/tsh-user.js';
import { freePort, startPostgres, type TestPostgres } from './helpers/postgres-server.js';

const run = promisify(execFile);
let c: TestCluster;
let pgServer: TestPostgres;
let admin: AuthClient;

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

/** Writes a key and a user certificate for `user` (with `route`, when given) and the proxy's CA; returns their paths. */
async function credentials(user: string, name: string, route?: RouteToDatabaseWire): Promise<{ key: string; cert: string; ca: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certs = await admin.generateUserCerts({ username: user, public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), ...(route && { route_to_database: route }) });
  const p = { key: join(c.dir, `${name}.key`), cert: join(c.dir, `${name}.crt`), ca: join(c.dir, `${name}.cas`) };
  await writeFile(p.key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(p.cert, certs.tls);
  await writeFile(p.ca, certs.tls_ca_certs.join(''));
  return p;
}

/** psql through the proxy's web port; exit code and output. */
async function psql(files: { key: string; cert: string; ca: string } | undefined, dbUser: string, sql: string, port = Number(c.webAddr.split(':')[1])) {
  const conn = [`host=127.0.0.1 port=${port} user=${dbUser} dbname=postgres connect_timeout=10`, files ? `sslmode=verify-full sslrootcert=${files.ca} sslcert=${files.cert} sslkey=${files.key}` : 'sslmode=require'].join(' ');
  try {
    const { stdout, stderr } = await run('psql', [conn, '-Atc', sql], { env: { PATH: process.env.PATH, PGCONNECT_TIMEOUT: '10', HOME: c.dir } });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

/** A second process running only db_service for `db` on the private server, joined through `proxyAddr` with a db token. */
async function dbAgent(proxyAddr: string, nodename: string, db: string): Promise<{ agent: TeleportProcess; dir: string }> {
  const tokens = await tctl('tokens', 'add', '--type=db', '--format=text');
  expect(tokens.code, tokens.err).toBe(0);
  const pin = (await admin.status()).cas.find((x) => x.type === 'host')!.pins[0];
  const dir = await mkdtemp(join(tmpdir(), 'tp-dbagent-'));
  const configPath = join(dir, 'teleport.yaml');
  await writeFile(
    configPath,
    [
      'version: v3',
      'teleport:',
      `  nodename: ${nodename}`,
      `  data_dir: ${join(dir, 'data')}`,
      `  auth_token: ${tokens.out.trim()}`,
      `  ca_pin: ${pin}`,
      `  proxy_server: ${proxyAddr}`,
      '  log: {output: stderr, severity: ERROR}',
      'auth_service: {enabled: no}',
      'proxy_service: {enabled: no}',
      'ssh_service: {enabled: no}',
      'db_service:',
      '  enabled: yes',
      '  databases:',
      `  - name: ${db}`,
      '    protocol: postgres',
      `    uri: 127.0.0.1:${pgServer.port}`,
      '    static_labels: {env: test}',
      '',
    ].join('\n'),
  );
  const agent = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
  await agent.start();
  return { agent, dir };
}

beforeAll(async () => {
  const port = await freePort();
  const downPort = await freePort();
  c = await startCluster({
    proxyExtra: 'postgres_listen_addr: 127.0.0.1:0',
    extraSections: [
      'db_service:',
      '  enabled: yes',
      '  databases:',
      '  - name: pg-main',
      '    description: PostgreSQL on the host',
      '    protocol: postgres',
      `    uri: 127.0.0.1:${port}`,
      '    static_labels: {env: test}',
      // Without ca_cert_file the agent trusts the cluster's db CA, which signs server.crt below.
      '    tls: {mode: verify-full}',
      // The same server checked under another name: verify-full refuses it, verify-ca does not check names.
      '  - name: pg-wrong-name',
      '    protocol: postgres',
      `    uri: 127.0.0.1:${port}`,
      '    static_labels: {env: test}',
      '    tls: {mode: verify-full, server_name: other.example.com}',
      '  - name: pg-verify-ca',
      '    protocol: postgres',
      `    uri: 127.0.0.1:${port}`,
      '    static_labels: {env: test}',
      '    tls: {mode: verify-ca, server_name: other.example.com}',
      // A database that is down (nothing listens on its port).
      '  - name: pg-down',
      '    protocol: postgres',
      `    uri: 127.0.0.1:${downPort}`,
      '    static_labels: {env: test}',
    ].join('\n'),
  });
  // The database's own certificate, from the cluster's db CA, as the self-hosted guide makes it.
  const signed = await tctl('auth', 'sign', '--format=db', '--host=localhost,127.0.0.1', '--out=server', '--ttl=2190h');
  expect(signed.code, signed.err).toBe(0);
  pgServer = await startPostgres({ port, certPrefix: join(c.dir, 'server') });
  await pgServer.sql('create role alice login; create role bob login; create role carol login; create role mallory login;');
  admin = await c.admin();
  await admin.createResource({
    kind: 'role',
    version: 'v7',
    metadata: { name: 'db-alice' },
    spec: { allow: { db_labels: { env: 'test' }, db_users: ['alice', '{{internal.db_users}}'], db_names: ['*'] }, deny: { db_users: ['mallory'], db_labels: { '*': '*' } } },
  });
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'dana' }, spec: { roles: ['db-alice'], traits: { db_users: ['carol'] } } });
}, 120_000);

afterAll(async () => {
  await pgServer?.close();
  await c?.close();
});

describe('PostgreSQL through the proxy', () => {
  it('runs psql through the web port and postgres_listen_addr with a certificate routed to the database', async () => {
    const files = await credentials('dana', 'dana', { service_name: 'pg-main', protocol: 'postgres', username: 'alice', database: 'postgres' });
    const r = await psql(files, 'alice', 'select current_user, 40 + 2');
    expect(r.err).toBe('');
    expect(r.out.trim()).toBe('alice|42');
    // The same through postgres_listen_addr.
    const pgPort = c.process.addresses.proxyPostgres!.port;
    expect((await psql(files, 'alice', 'select 43', pgPort)).out.trim()).toBe('43');
  });

  it('refuses a database user the roles do not allow, with the reason, in psql\'s own error', async () => {
    const files = await credentials('dana', 'dana-bob', { service_name: 'pg-main', protocol: 'postgres', username: 'bob', database: 'postgres' });
    const r = await psql(files, 'bob', 'select 1');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('FATAL:  access to db denied. User does not have permissions. Confirm database user and name.');
    expect(r.err).toContain('database user "bob" is not in db_users');
    const m = await psql(files, 'mallory', 'select 1');
    expect(m.err).toContain('role db-alice denies database user "mallory"');
  });

  it('expands {{internal.db_users}} from the user\'s traits', async () => {
    const files = await credentials('dana', 'dana-carol', { service_name: 'pg-main', protocol: 'postgres', username: 'carol' });
    const r = await psql(files, 'carol', 'select current_user');
    expect(r.err).toBe('');
    expect(r.out.trim()).toBe('carol');
  });

  it('refuses a certificate without a route, no client certificate, and an unknown database', async () => {
    const plain = await credentials('dana', 'dana-plain');
    expect((await psql(plain, 'alice', 'select 1')).err).toContain('this certificate carries no database route');
    expect((await psql(undefined, 'alice', 'select 1')).err).toContain('no client certificate');
    const nope = await credentials('dana', 'dana-nope', { service_name: 'pg-nope', protocol: 'postgres', username: 'alice' });
    expect((await psql(nope, 'alice', 'select 1')).err).toContain('database "pg-nope" not found');
  });

  it('audits the extended protocol with its parameters, and sessions start and end', async () => {
    const files = await credentials('dana', 'dana-ext', { service_name: 'pg-main', protocol: 'postgres', username: 'alice', database: 'postgres' });
    const client = new pg.Client({
      host: '127.0.0.1',
      port: Number(c.webAddr.split(':')[1]),
      user: 'alice',
      database: 'postgres',
      ssl: { ca: await readFile(files.ca, 'utf8'), cert: await readFile(files.cert, 'utf8'), key: await readFile(files.key, 'utf8'), servername: 'localhost', checkServerIdentity: () => undefined },
    });
    await client.connect();
    const res = await client.query('select $1::int + $2::int as sum', [40, 2]);
    await client.end();
    expect(res.rows[0].sum).toBe(42);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { events } = await admin.searchEvents({ types: ['db.session.start', 'db.session.query', 'db.session.end'], user: 'dana', limit: 100 });
      const queries = events.filter((e) => e.event === 'db.session.query');
      const simple = queries.find((e) => e.db_query === 'select current_user, 40 + 2');
      const extended = queries.find((e) => e.db_query === 'select $1::int + $2::int as sum');
      const denied = events.find((e) => e.code === 'TDB00W' && e.db_user === 'bob');
      const ended = events.filter((e) => e.code === 'TDB01I');
      if (simple && extended && denied && ended.length >= 3) {
        expect(simple).toMatchObject({ code: 'TDB02I', db_service: 'pg-main', db_protocol: 'postgres', db_user: 'alice', db_name: 'postgres', user: 'dana' });
        expect(extended.db_query_parameters).toEqual(['40', '2']);
        expect(denied.message).toContain('database user "bob" is not in db_users');
        expect(events.find((e) => e.code === 'TDB00I')).toMatchObject({ db_service: 'pg-main', success: true });
        break;
      }
      if (Date.now() > deadline) throw new Error(`audit events missing: ${JSON.stringify(events.map((e) => [e.code, e.db_user, e.db_query]))}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('lists the database with tctl db ls and tctl get db_server', async () => {
    const ls = await tctl('db', 'ls');
    expect(ls.code, ls.err).toBe(0);
    expect(ls.out).toMatch(/pg-main\s+postgres\s+127\.0\.0\.1:\d+\s+env=test/);
    const get = await tctl('get', 'db_server');
    expect(get.code, get.err).toBe(0);
    expect(get.out).toContain('kind: db_server');
    expect(get.out).toContain('name: pg-main');
  });

  it('tsh db ls, login, env, config, connect and logout, with psql reading ~/.pg_service.conf', async () => {
    const user = await loginUser(c, 'erin', ['db-alice'], []);
    try {
      const ls = await user.tsh(['db', 'ls'], { columns: 200 });
      expect(ls.err).toBe('');
      expect(ls.out).toMatch(/^Name\s+Description\s+Allowed Users\s+Labels\s+Connect/);
      // The db_users of the user's own roles (templates are per user: not listed).
      expect(ls.out).toMatch(/pg-main\s+PostgreSQL on the host\s+\[alice\]\s+env=test/);
      const login = await user.tsh(['db', 'login', 'pg-main', '--db-user=alice', '--db-name=postgres']);
      expect(login.err).toBe('');
      expect(login.out).toContain('Connection information for database "pg-main" has been saved.');
      expect(login.out).toContain('tsh db connect pg-main');
      const service = `${c.clusterName}-pg-main`;
      const conf = await readFile(join(user.home, '.pg_service.conf'), 'utf8');
      expect(conf).toContain(`[${service}]`);
      expect(conf).toMatch(/sslmode=verify-full\n/);
      expect(conf).toMatch(/user=alice\ndbname=postgres/);
      // The stock client, through the web port, from the service tsh wrote.
      const { stdout } = await run('psql', [`service=${service}`, '-Atc', 'select current_user'], { env: { PATH: process.env.PATH, PGSERVICEFILE: join(user.home, '.pg_service.conf') } });
      expect(stdout.trim()).toBe('alice');
      const listed = await user.tsh(['db', 'ls'], { columns: 200 });
      expect(listed.out).toContain('> pg-main (user: alice, db: postgres)');
      const env = await user.tsh(['db', 'env']);
      expect(env.out).toContain('export PGSSLMODE=verify-full\n');
      expect(env.out).toContain('export PGUSER=alice\n');
      expect(env.out).toMatch(/export PGPORT=\d+\n/);
      const config = await user.tsh(['db', 'config', '--format=json']);
      expect(JSON.parse(config.out)).toMatchObject({ name: 'pg-main', user: 'alice', database: 'postgres', host: '127.0.0.1' });
      const text = await user.tsh(['db', 'config']);
      expect(text.out).toMatch(/^Name:\s+pg-main\nHost:\s+127\.0\.0\.1\nPort:\s+\d+\nUser:\s+alice\nDatabase:\s+postgres\nCA:/);
      const connect = await user.tsh(['db', 'connect'], { stdin: 'select 6 * 7 as answer;\n' });
      expect(connect.err).toBe('');
      expect(connect.code).toBe(0);
      expect(connect.out).toMatch(/answer\s*\n-+\s*\n\s*42/);
      const logout = await user.tsh(['db', 'logout', 'pg-main']);
      expect(logout.out).toContain('Logged out of database pg-main');
      expect(await readFile(join(user.home, '.pg_service.conf'), 'utf8')).not.toContain(service);
      expect((await user.tsh(['db', 'env'])).err).toContain('please login using "tsh db login" first');
    } finally {
      await user.cleanup();
    }
  });

  it('plays a psql session back with tsh play (text, json) and lists it with tsh recordings ls', async () => {
    const user = await loginUser(c, 'hank', ['db-alice', 'access'], []);
    try {
      expect((await user.tsh(['db', 'login', 'pg-main', '--db-user=alice', '--db-name=postgres'])).code).toBe(0);
      const env = { PATH: process.env.PATH, PGSERVICEFILE: join(user.home, '.pg_service.conf') };
      await run('psql', [`service=${c.clusterName}-pg-main`, '-Atc', 'select 6 *\n  7 as answer'], { env });
      // The extended protocol's parameters, as the pg driver sends them.
      const files = await credentials('hank', 'hank-play', { service_name: 'pg-main', protocol: 'postgres', username: 'alice', database: 'postgres' });
      const ssl = { ca: await readFile(files.ca, 'utf8'), cert: await readFile(files.cert, 'utf8'), key: await readFile(files.key, 'utf8') };
      const client = new pg.Client({ host: '127.0.0.1', port: Number(c.webAddr.split(':')[1]), user: 'alice', database: 'postgres', ssl: { ...ssl, checkServerIdentity: () => undefined } });
      await client.connect();
      await client.query('select $1::text as word', ['tea "green"']);
      await client.end();
      let ends: { sid?: string }[] = [];
      for (let i = 0; i < 100 && ends.length < 2; i++) {
        ends = (await admin.searchEvents({ types: ['db.session.end'], user: 'hank', limit: 10, order: 'asc' })).events;
        if (ends.length < 2) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ends).toHaveLength(2);
      const [psqlSid, driverSid] = ends.map((e) => String(e.sid));

      const text = await user.tsh(['play', psqlSid, '--format=text']);
      expect(text.err).toBe('');
      expect(text.out).toMatch(/^Session started to database "pg-main" at \w{3} \w{3} [ \d]\d \d\d:\d\d UTC\n/);
      // Continuation lines sit under the first, after the prompt's width.
      expect(text.out).toContain('\npostgres=> select 6 *\n           7 as answer\n');
      expect(text.out).toMatch(/\nSession ended at .* UTC\n$/);
      const driver = await user.tsh(['play', driverSid, '-f', 'text']);
      expect(driver.out).toContain('postgres=> select $1::text as word ($1 = "tea \\"green\\"")');
      const pty = await user.tsh(['play', psqlSid, '--speed=8x']);
      expect(pty.code).toBe(0);
      expect(pty.out).toContain('postgres=> select 6 *');

      // The export is the session's audit events, in order, as Teleport's.
      const json = JSON.parse((await user.tsh(['play', psqlSid, '--format=json'])).out) as { event: string; db_query?: string }[];
      expect(json.map((e) => e.event)).toEqual(['db.session.start', 'db.session.query', 'db.session.end']);
      expect(json[1].db_query).toBe('select 6 *\n  7 as answer');

      const ls = await user.tsh(['recordings', 'ls']);
      expect(ls.out).toMatch(new RegExp(`${psqlSid}\\s+postgres\\s+hank\\s+postgres\\s+\\w{3} \\d+ \\d{4}`));
      // Another user's session is neither listed nor played for someone without the auditor role.
      const other = await loginUser(c, 'ivan', ['db-alice', 'access'], []);
      try {
        expect((await other.tsh(['recordings', 'ls'])).out).not.toContain(psqlSid);
        expect((await other.tsh(['play', psqlSid, '-f', 'text'])).err).toContain('access denied');
      } finally {
        await other.cleanup();
      }
      expect((await user.tsh(['play', '11111111-2222-4333-8444-555555555555'])).err).toContain('Recording for session 11111111-2222-4333-8444-555555555555 not found.');
    } finally {
      await user.cleanup();
    }
  });

  it('reaches a database agent on another host through its reverse tunnel, joined with a db token', async () => {
    const { agent, dir } = await dbAgent(c.webAddr, 'db-edge', 'pg-edge');
    try {
      const files = await credentials('dana', 'dana-edge', { service_name: 'pg-edge', protocol: 'postgres', username: 'alice', database: 'postgres' });
      const r = await psql(files, 'alice', 'select current_user, 2 * 21');
      expect(r.err).toBe('');
      expect(r.out.trim()).toBe('alice|42');
      const servers = await admin.listAgentServers<{ metadata: { name: string }; spec: { hostname: string; use_tunnel?: boolean } }>('db_server');
      expect(servers.find((x) => x.metadata.name === 'pg-edge')?.spec).toMatchObject({ hostname: 'db-edge', use_tunnel: true });
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { events } = await admin.searchEvents({ types: ['db.session.query'], user: 'dana', limit: 200 });
        if (events.some((e) => e.db_service === 'pg-edge' && e.db_query === 'select current_user, 2 * 21')) break;
        if (Date.now() > deadline) throw new Error('the tunnelled agent\'s query event did not reach the audit log');
        await new Promise((res) => setTimeout(res, 200));
      }
    } finally {
      await agent.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('routes psql\'s cancel request (Ctrl-C) to the session\'s database', async () => {
    const files = await credentials('dana', 'dana-cancel', { service_name: 'pg-main', protocol: 'postgres', username: 'alice', database: 'postgres' });
    const port = c.webAddr.split(':')[1];
    const conn = `host=127.0.0.1 port=${port} user=alice dbname=postgres sslmode=verify-full sslrootcert=${files.ca} sslcert=${files.cert} sslkey=${files.key}`;
    const child = spawn('psql', [conn, '-Atc', 'select pg_sleep(60)'], { env: { PATH: process.env.PATH, HOME: c.dir } });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
    try {
      // Wait until the server runs the statement, then press Ctrl-C.
      const deadline = Date.now() + 15_000;
      while ((await pgServer.sql("select count(*) from pg_stat_activity where query = 'select pg_sleep(60)' and state = 'active'")).trim() !== '1') {
        if (Date.now() > deadline) throw new Error(`the query never ran: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGINT');
      expect(await exited).not.toBe(0);
      expect(err).toContain('canceling statement due to user request');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('tells psql when the database is down, and audits the failed start', async () => {
    const files = await credentials('dana', 'dana-down', { service_name: 'pg-down', protocol: 'postgres', username: 'alice', database: 'postgres' });
    const r = await psql(files, 'alice', 'select 1');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('FATAL:  failed to connect to database "pg-down"');
    const { events } = await admin.searchEvents({ types: ['db.session.start'], user: 'dana', limit: 200 });
    expect(events.find((e) => e.db_service === 'pg-down')).toMatchObject({ code: 'TDB00W', success: false });
  });

  it('answers GSSENCRequest with N, ends a garbage or repeated negotiation, and keeps serving', async () => {
    const talk = (packets: Buffer[]) =>
      new Promise<Buffer>((resolve, reject) => {
        const sock = netConnect({ host: '127.0.0.1', port: Number(c.webAddr.split(':')[1]) }, () => sock.write(Buffer.concat(packets)));
        const got: Buffer[] = [];
        sock.on('data', (b) => got.push(b));
        sock.once('error', reject);
        sock.once('close', () => resolve(Buffer.concat(got)));
        setTimeout(() => sock.destroy(), 5_000).unref();
      });
    const packet = (code: number) => {
      const b = Buffer.alloc(8);
      b.writeUInt32BE(8, 0);
      b.writeUInt32BE(code, 4);
      return b;
    };
    const GSSENC = 80877104;
    // GSSENC answered N, then a second one is a protocol error, told in an ErrorResponse.
    const twice = await talk([packet(GSSENC), packet(GSSENC)]);
    expect(twice.subarray(0, 1).toString()).toBe('N');
    expect(twice.subarray(1, 2).toString()).toBe('E');
    expect(twice.toString()).toContain('a second GSSENCRequest');
    // A startup packet claiming 3 GB after GSSENC: refused without reading it.
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(0xc0000000, 0);
    const garbage = await talk([packet(GSSENC), huge]);
    expect(garbage.toString()).toContain('not a PostgreSQL startup packet');
    // A plain StartupMessage without TLS: refused with the way to connect.
    const plain = await talk([Buffer.from([0, 0, 0, 20, 0, 3, 0, 0, ...Buffer.from('user\0alice\0\0')])]);
    expect(plain.toString()).toContain('Teleport requires TLS with a client certificate');
    const files = await credentials('dana', 'dana-after', { service_name: 'pg-main', protocol: 'postgres', username: 'alice', database: 'postgres' });
    expect((await psql(files, 'alice', 'select 7')).out.trim()).toBe('7');
  });

  it('lists only the databases the user\'s db_labels reach', async () => {
    await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'db-prod' }, spec: { allow: { db_labels: { env: 'prod' }, db_users: ['*'], db_names: ['*'] } } });
    const prod = await loginUser(c, 'frank', ['db-prod'], []);
    const test = await loginUser(c, 'gina', ['db-alice'], []);
    try {
      const none = await prod.tsh(['db', 'ls', '--format=json']);
      expect(none.err).toBe('');
      expect(JSON.parse(none.out)).toEqual([]);
      const some = await test.tsh(['db', 'ls', '--format=json']);
      expect((JSON.parse(some.out) as { metadata: { name: string } }[]).map((d) => d.metadata.name)).toEqual(expect.arrayContaining(['pg-down', 'pg-main']));
      const login = await prod.tsh(['db', 'login', 'pg-main', '--db-user=alice']);
      expect(login.code).not.toBe(0);
      expect(login.err).toContain('database "pg-main" not found');
    } finally {
      await prod.cleanup();
      await test.cleanup();
    }
  });

  it('checks the database certificate per tls.mode: verify-full names, verify-ca chains only', async () => {
    const wrong = await credentials('dana', 'dana-wrong', { service_name: 'pg-wrong-name', protocol: 'postgres', username: 'alice', database: 'postgres' });
    const refused = await psql(wrong, 'alice', 'select 1');
    expect(refused.err).toContain('failed to connect to database "pg-wrong-name"');
    expect(refused.err).toMatch(/other\.example\.com/);
    const ca = await credentials('dana', 'dana-ca', { service_name: 'pg-verify-ca', protocol: 'postgres', username: 'alice', database: 'postgres' });
    expect((await psql(ca, 'alice', 'select 5')).out.trim()).toBe('5');
  });

  it('ends a session whose statement is over the 64 MiB bound with an error the client shows, and serves the next', async () => {
    const files = await credentials('dana', 'dana-big', { service_name: 'pg-main', protocol: 'postgres', username: 'alice', database: 'postgres' });
    const ssl = { ca: await readFile(files.ca, 'utf8'), cert: await readFile(files.cert, 'utf8'), key: await readFile(files.key, 'utf8'), servername: 'localhost', checkServerIdentity: () => undefined };
    const client = new pg.Client({ host: '127.0.0.1', port: Number(c.webAddr.split(':')[1]), user: 'alice', database: 'postgres', ssl });
    client.on('error', () => {});
    await client.connect();
    const huge = `select '${'x'.repeat(65 * 1024 * 1024)}'`;
    await expect(client.query(huge)).rejects.toThrow(/over the 67108864-byte limit/);
    await client.end().catch(() => undefined);
    expect((await psql(files, 'alice', 'select 8')).out.trim()).toBe('8');
    const { events } = await admin.searchEvents({ types: ['db.session.query.failed'], user: 'dana', limit: 10 });
    expect(events.find((e) => e.code === 'TDB02W')?.error).toMatch(/over the 67108864-byte limit/);
  });

  it('serves through a proxy-only process (user CA and heartbeats read over the auth API) to an agent joined through it', async () => {
    const proxy = await startProxy(c, { nodename: 'proxy-two' });
    const { agent, dir } = await dbAgent(proxy.webAddr, 'db-far', 'pg-far');
    try {
      const files = await credentials('dana', 'dana-far', { service_name: 'pg-far', protocol: 'postgres', username: 'alice', database: 'postgres' });
      const r = await psql(files, 'alice', 'select 3 * 14', Number(proxy.webAddr.split(':')[1]));
      expect(r.err).toBe('');
      expect(r.out.trim()).toBe('42');
      const bob = await psql(files, 'bob', 'select 1', Number(proxy.webAddr.split(':')[1]));
      expect(bob.err).toContain('database user "bob" is not in db_users');
    } finally {
      await agent.close();
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
