/**
 * RDS/Aurora IAM auth for PostgreSQL (`aws: {region}` on a database): the database service signs an
 * IAM auth token with @aws-sdk/rds-signer from the AWS credentials in its environment and sends it
 * as the password over TLS. There is no AWS here: the database is a recording stand-in
 * (test/helpers/rds-postgres-standin.ts) and the token is checked against its documented shape
 * (a SigV4 presigned `connect` URL for rds-db without the scheme), its signature recomputed here.
 */
import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { parseConfig } from '../src/config/parse.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { freePort } from './helpers/postgres-server.js';
import { startRdsMysqlStandin, startRdsStandin, type RdsStandin } from './helpers/rds-postgres-standin.js';
import { mysqlwire, readMysqlPacket } from '../src/db/index.js';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

const run = promisify(execFile);
const KEY_ID = 'AKIDSTANDINEXAMPLE';
const SECRET = 'standin/secret/key/for/the/test';
let c: TestCluster;
let rds: RdsStandin;
let rdsMy: Awaited<ReturnType<typeof startRdsMysqlStandin>>;
let admin: AuthClient;
const saved = { ...process.env };

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (k: Buffer | string, s: string) => createHmac('sha256', k).update(s).digest();

/** Recomputes the SigV4 signature of a presigned rds-db `connect` token (the AWS documented algorithm). */
function expectedSignature(token: string, secret: string): string {
  const [hostPort, query] = token.split('/?');
  const params = new URLSearchParams(query);
  const date = params.get('X-Amz-Date')!;
  const scope = params.get('X-Amz-Credential')!.split('/').slice(1).join('/');
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = [...params.entries()].filter(([k]) => k !== 'X-Amz-Signature').map(([k, v]) => `${enc(k)}=${enc(v)}`).sort().join('&');
  const canonical = ['GET', '/', canonicalQuery, `host:${hostPort}`, '', 'host', sha256('')].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  const [day, region, service] = scope.split('/');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

beforeAll(async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  const [port, myPort] = await Promise.all([freePort(), freePort()]);
  c = await startCluster({
    proxyExtra: 'mysql_listen_addr: 127.0.0.1:0',
    extraSections: [
      'db_service:',
      '  enabled: yes',
      '  databases:',
      `  - {name: aurora, protocol: postgres, uri: "127.0.0.1:${port}", static_labels: {env: test}, aws: {region: us-east-1}}`,
      `  - {name: aurora-my, protocol: mysql, uri: "127.0.0.1:${myPort}", static_labels: {env: test}, aws: {region: eu-west-1}}`,
      '',
    ].join('\n'),
  });
  const signed = await tctl('auth', 'sign', '--format=db', '--host=localhost,127.0.0.1', '--out=server', '--ttl=2190h');
  expect(signed.code, signed.err).toBe(0);
  const tlsFiles = { certPem: await readFile(join(c.dir, 'server.crt'), 'utf8'), keyPem: await readFile(join(c.dir, 'server.key'), 'utf8') };
  rds = await startRdsStandin({ port, ...tlsFiles });
  rdsMy = await startRdsMysqlStandin({ port: myPort, ...tlsFiles });
  admin = await c.admin();
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'rds' }, spec: { allow: { db_labels: { env: 'test' }, db_users: ['iam_alice'], db_names: ['*'] } } });
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'ria' }, spec: { roles: ['rds'] } });
}, 120_000);

afterAll(async () => {
  process.env = saved;
  await rds?.close();
  await rdsMy?.close();
  await c?.close();
});

describe('RDS/Aurora IAM auth (PostgreSQL)', () => {
  it('psql logs in through the proxy; the database gets a signed IAM token as the password over TLS', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certs = await admin.generateUserCerts({ username: 'ria', public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), route_to_database: { service_name: 'aurora', protocol: 'postgres', username: 'iam_alice', database: 'app' } });
    const p = { key: join(c.dir, 'ria.key'), cert: join(c.dir, 'ria.crt'), ca: join(c.dir, 'ria.cas') };
    await writeFile(p.key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await writeFile(p.cert, certs.tls);
    await writeFile(p.ca, certs.tls_ca_certs.join(''));
    const port = c.webAddr.split(':')[1];
    const conn = `host=127.0.0.1 port=${port} user=iam_alice dbname=app sslmode=verify-full sslrootcert=${p.ca} sslcert=${p.cert} sslkey=${p.key} connect_timeout=10`;
    const { stdout } = await run('psql', [conn, '-Atc', 'select 1'], { env: { PATH: process.env.PATH, HOME: c.dir } });
    expect(stdout).toBe('iam\n');
    expect(rds.logins).toHaveLength(1);
    const login = rds.logins[0];
    expect(login).toMatchObject({ user: 'iam_alice', database: 'app' });
    // The documented shape: <host>:<port>/?Action=connect&DBUser=<user>&X-Amz-Algorithm=AWS4-HMAC-SHA256&...
    expect(login.password.startsWith(`127.0.0.1:${rds.port}/?`)).toBe(true);
    const q = new URLSearchParams(login.password.split('/?')[1]);
    expect(q.get('Action')).toBe('connect');
    expect(q.get('DBUser')).toBe('iam_alice');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toMatch(new RegExp(`^${KEY_ID}/\\d{8}/us-east-1/rds-db/aws4_request$`));
    expect(q.get('X-Amz-Date')).toMatch(/^\d{8}T\d{6}Z$/);
    expect(q.get('X-Amz-Expires')).toBe('900');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host');
    expect(q.get('X-Amz-Signature')).toBe(expectedSignature(login.password, SECRET));
    expect(expectedSignature(login.password, 'another secret')).not.toBe(q.get('X-Amz-Signature'));
  });

  it('MySQL: the agent sends the token with mysql_clear_password inside TLS and the client gets the OK', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certs = await admin.generateUserCerts({ username: 'ria', public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), route_to_database: { service_name: 'aurora-my', protocol: 'mysql', username: 'iam_alice' } });
    const tcp = netConnect({ host: '127.0.0.1', port: c.process.addresses.proxyMySQL!.port });
    await readMysqlPacket(tcp);
    const base = { capabilities: mysqlwire.PROXY_CAPABILITIES & ~mysqlwire.CLIENT.CONNECT_ATTRS, maxPacket: 1 << 24, charset: 45 };
    tcp.write(mysqlwire.packet(1, mysqlwire.encodeHandshakeResponse(base)));
    const tls = tlsConnect({ socket: tcp, ca: certs.tls_ca_certs, cert: certs.tls, key: privateKey.export({ type: 'pkcs8', format: 'pem' }), checkServerIdentity: () => undefined });
    await new Promise((r) => tls.once('secureConnect', r));
    tls.write(mysqlwire.packet(2, mysqlwire.encodeHandshakeResponse({ ...base, user: 'iam_alice', authResponse: Buffer.alloc(0), authPlugin: mysqlwire.AUTH_PLUGIN })));
    expect((await readMysqlPacket(tls)).payload[0]).toBe(0x00);
    tls.destroy();
    expect(rdsMy.logins).toHaveLength(1);
    const login = rdsMy.logins[0];
    expect(login).toMatchObject({ user: 'iam_alice', plugin: 'mysql_clear_password' });
    expect(login.password.startsWith(`127.0.0.1:${rdsMy.port}/?Action=connect&DBUser=iam_alice&`)).toBe(true);
    const q = new URLSearchParams(login.password.split('/?')[1]);
    expect(q.get('X-Amz-Credential')).toMatch(new RegExp(`^${KEY_ID}/\\d{8}/eu-west-1/rds-db/aws4_request$`));
    expect(q.get('X-Amz-Signature')).toBe(expectedSignature(login.password, SECRET));
  });

  it('refuses aws without a region and the aws keys this release lacks, by name', () => {
    const db = (line: string) => () => parseConfig(`db_service:\n  enabled: yes\n  databases:\n  - ${line}\n`, { path: 'teleport.yaml', hostname: 'h' });
    expect(db('{name: p, protocol: postgres, uri: "h:5432", aws: {}}')).toThrow(/aws.region is required/);
    expect(db('{name: p, protocol: postgres, uri: "h:5432", aws: {region: us-east-1, assume_role_arn: "arn:aws:iam::1:role/x"}}')).toThrow(/aws.assume_role_arn is not supported by this release yet/);
  });
});
