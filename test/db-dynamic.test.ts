/**
 * Dynamic database registration end to end: a cluster whose db_service selects the `db` resources
 * labelled env=test, `tctl create` of databases on a private PostgreSQL 15, the one labelled
 * env=test listed by `tctl db ls` and `tsh db ls` and reached by psql through the proxy, the one
 * labelled env=prod not served, and `tctl rm` taking a database away. Teleport's tctl messages.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteToDatabaseWire } from '../src/api/auth-wire.js';
import { AuthClient } from '../src/api/client/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { loadConfigFile } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { TeleportProcess } from '../src/service/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { freePort, startPostgres, type TestPostgres } from './helpers/postgres-server.js';
import { loginUser } from './helpers/tsh-user.js';

const run = promisify(execFile);
let c: TestCluster;
let pgServer: TestPostgres;
let admin: AuthClient;

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

/** A db resource file for the private server, labelled env=`env` (and `extra`). */
async function dbFile(name: string, env: string, extra = ''): Promise<string> {
  const path = join(c.dir, `${name}.yaml`);
  await writeFile(
    path,
    ['kind: db', 'version: v3', 'metadata:', `  name: ${name}`, '  description: Registered with tctl create', `  labels: {env: ${env}${extra}}`, 'spec:', '  protocol: postgres', `  uri: 127.0.0.1:${pgServer.port}`, '  tls: {mode: verify-full}', ''].join('\n'),
  );
  return path;
}

/** Polls `tctl db ls` until `test` holds of its output; the last output otherwise. */
async function dbLsUntil(test: (out: string) => boolean): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ls = await tctl('db', 'ls');
    expect(ls.code, ls.err).toBe(0);
    if (test(ls.out) || Date.now() > deadline) return ls.out;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function psql(user: string, route: RouteToDatabaseWire, sql: string): Promise<{ code: number; out: string; err: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certs = await admin.generateUserCerts({ username: user, public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), route_to_database: route });
  const p = { key: join(c.dir, `${user}.key`), cert: join(c.dir, `${user}.crt`), ca: join(c.dir, `${user}.cas`) };
  await writeFile(p.key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(p.cert, certs.tls);
  await writeFile(p.ca, certs.tls_ca_certs.join(''));
  const port = c.webAddr.split(':')[1];
  const conn = `host=127.0.0.1 port=${port} user=${route.username} dbname=postgres connect_timeout=10 sslmode=verify-full sslrootcert=${p.ca} sslcert=${p.cert} sslkey=${p.key}`;
  try {
    const { stdout, stderr } = await run('psql', [conn, '-Atc', sql], { env: { PATH: process.env.PATH, HOME: c.dir } });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

beforeAll(async () => {
  const port = await freePort();
  c = await startCluster({ extraSections: ['db_service:', '  enabled: yes', '  resources:', '  - labels: {env: test}'].join('\n') });
  const signed = await tctl('auth', 'sign', '--format=db', '--host=localhost,127.0.0.1', '--out=server', '--ttl=2190h');
  expect(signed.code, signed.err).toBe(0);
  pgServer = await startPostgres({ port, certPrefix: join(c.dir, 'server') });
  await pgServer.sql('create role alice login;');
  admin = await c.admin();
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'db-any' }, spec: { allow: { db_labels: { '*': '*' }, db_users: ['alice'], db_names: ['*'] } } });
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'dana' }, spec: { roles: ['db-any'] } });
}, 120_000);

afterAll(async () => {
  await pgServer?.close();
  await c?.close();
});

describe('dynamic database registration', () => {
  it('creates, lists, serves and removes db resources selected by db_service.resources', async () => {
    const created = await tctl('create', await dbFile('pg-dyn', 'test'));
    expect(created.err).toBe('');
    expect(created.out).toBe('database "pg-dyn" has been created\n');
    expect((await tctl('create', await dbFile('pg-prod', 'prod'))).out).toBe('database "pg-prod" has been created\n');
    const again = await tctl('create', join(c.dir, 'pg-dyn.yaml'));
    expect(again.code).not.toBe(0);
    expect(again.err).toContain('database "pg-dyn" already exists, use -f or --force flag to override');

    // tctl get db reads the db resources (not the heartbeats), with the origin Teleport gives them.
    const get = await tctl('get', 'db');
    expect(get.code, get.err).toBe(0);
    expect(get.out).toMatch(/kind: db\n/);
    expect(get.out).toContain('name: pg-dyn');
    expect(get.out).toContain('name: pg-prod');
    expect(get.out).toContain('teleport.dev/origin: dynamic');
    const one = await tctl('get', 'db/pg-prod', '--format=json');
    expect(JSON.parse(one.out)).toMatchObject([{ kind: 'db', version: 'v3', metadata: { name: 'pg-prod', labels: { env: 'prod' } }, spec: { protocol: 'postgres' } }]);

    // The env=test one is served; the env=prod one is not.
    const ls = await dbLsUntil((out) => out.includes('pg-dyn'));
    expect(ls).toMatch(/pg-dyn\s+postgres\s+127\.0\.0\.1:\d+\s+env=test/);
    expect(ls).not.toContain('pg-prod');
    const servers = await tctl('get', 'db_server');
    expect(servers.out).toContain('name: pg-dyn');
    expect(servers.out).not.toContain('pg-prod');

    const user = await loginUser(c, 'erin', ['db-any'], []);
    try {
      const tshLs = await user.tsh(['db', 'ls'], { columns: 200 });
      expect(tshLs.err).toBe('');
      expect(tshLs.out).toMatch(/pg-dyn\s+Registered with tctl create\s+\[alice\]/);
      expect(tshLs.out).not.toContain('pg-prod');
    } finally {
      await user.cleanup();
    }

    const r = await psql('dana', { service_name: 'pg-dyn', protocol: 'postgres', username: 'alice', database: 'postgres' }, 'select current_user, 40 + 2');
    expect(r.err).toBe('');
    expect(r.out.trim()).toBe('alice|42');
    const prod = await psql('dana', { service_name: 'pg-prod', protocol: 'postgres', username: 'alice', database: 'postgres' }, 'select 1');
    expect(prod.code).not.toBe(0);

    // Relabelled away from the selector (create -f): no longer served; back to env=test: served again.
    await dbFile('pg-dyn', 'prod');
    expect((await tctl('create', '-f', join(c.dir, 'pg-dyn.yaml'))).out).toBe('database "pg-dyn" has been updated\n');
    expect(await dbLsUntil((out) => !out.includes('pg-dyn'))).not.toContain('pg-dyn');
    await dbFile('pg-dyn', 'test');
    expect((await tctl('create', '-f', join(c.dir, 'pg-dyn.yaml'))).out).toBe('database "pg-dyn" has been updated\n');
    expect(await dbLsUntil((out) => out.includes('pg-dyn'))).toContain('pg-dyn');
    // A changed spec is announced at once, not at the next minute's heartbeat.
    const edited = (await readFile(join(c.dir, 'pg-dyn.yaml'), 'utf8')).replace('Registered with tctl create', 'Edited in place');
    await writeFile(join(c.dir, 'pg-dyn.yaml'), edited);
    expect((await tctl('create', '-f', join(c.dir, 'pg-dyn.yaml'))).code).toBe(0);
    const deadline = Date.now() + 20_000;
    while (!(await tctl('get', 'db_server/pg-dyn')).out.includes('Edited in place') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect((await tctl('get', 'db_server/pg-dyn')).out).toContain('description: Edited in place');

    // tctl rm: the database leaves the listing and psql no longer reaches it.
    const rm = await tctl('rm', 'db/pg-dyn');
    expect(rm.err).toBe('');
    expect(rm.out).toBe('database "pg-dyn" has been deleted\n');
    expect(await dbLsUntil((out) => !out.includes('pg-dyn'))).not.toContain('pg-dyn');
    const gone = await psql('dana', { service_name: 'pg-dyn', protocol: 'postgres', username: 'alice', database: 'postgres' }, 'select 1');
    expect(gone.code).not.toBe(0);
    const rmAgain = await tctl('rm', 'db/pg-dyn');
    expect(rmAgain.code).not.toBe(0);
    expect(rmAgain.err).toContain('database "pg-dyn" doesn\'t exist');
  });

  it('lets only roles with a db rule write db resources', async () => {
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'frank' }, spec: { roles: ['access'] } });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certs = await admin.generateUserCerts({ username: 'frank', public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const frank = new AuthClient({
      addr: c.authAddr,
      clusterName: c.clusterName,
      credentials: { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: certs.tls, caPems: (await admin.ping()).host_ca_certs },
    });
    try {
      const doc = { kind: 'db', version: 'v3', metadata: { name: 'sneaky', labels: { env: 'test' } }, spec: { protocol: 'postgres', uri: 'h:5432' } };
      await expect(frank.createResource(doc)).rejects.toThrow(/access denied/i);
      await expect(frank.deleteResource('db', 'pg-prod')).rejects.toThrow(/access denied/i);
    } finally {
      frank.close();
    }
  });

  it('serves a db resource from an agent that joined through the proxy as Db', async () => {
    const tokens = await tctl('tokens', 'add', '--type=db', '--format=text');
    expect(tokens.code, tokens.err).toBe(0);
    const pin = (await admin.status()).cas.find((x) => x.type === 'host')!.pins[0];
    const dir = await mkdtemp(join(tmpdir(), 'tp-dbdyn-'));
    const configPath = join(dir, 'teleport.yaml');
    await writeFile(
      configPath,
      ['version: v3', 'teleport:', '  nodename: db-remote', `  data_dir: ${join(dir, 'data')}`, `  auth_token: ${tokens.out.trim()}`, `  ca_pin: ${pin}`, `  proxy_server: ${c.webAddr}`, '  log: {output: stderr, severity: ERROR}',
        'auth_service: {enabled: no}', 'proxy_service: {enabled: no}', 'ssh_service: {enabled: no}', 'db_service:', '  enabled: yes', '  resources:', '  - labels: {team: remote}', ''].join('\n'),
    );
    const agent = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
    await agent.start();
    try {
      expect((await tctl('create', await dbFile('pg-remote', 'staging', ', team: remote'))).out).toBe('database "pg-remote" has been created\n');
      const ls = await dbLsUntil((out) => out.includes('pg-remote'));
      expect(ls).toMatch(/pg-remote\s+postgres/);
      const servers = await admin.listAgentServers<{ metadata: { name: string }; spec: { hostname: string; use_tunnel?: boolean } }>('db_server');
      expect(servers.filter((x) => x.metadata.name === 'pg-remote').map((x) => [x.spec.hostname, x.spec.use_tunnel])).toEqual([['db-remote', true]]);
      const r = await psql('dana', { service_name: 'pg-remote', protocol: 'postgres', username: 'alice', database: 'postgres' }, 'select 6 * 7');
      expect(r.err).toBe('');
      expect(r.out.trim()).toBe('42');
    } finally {
      await agent.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
