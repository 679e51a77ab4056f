/**
 * Per-session MFA for database sessions, end to end with the real PostgreSQL 15 and psql: a role
 * with `require_session_mfa: true` makes the database service refuse the `tsh db login`
 * certificate (Teleport's "access to resource requires MFA", in psql's own error), while `tsh db
 * connect` and `tsh proxy db --tunnel` ask for a TOTP code and connect with a one-minute
 * certificate routed to the database and marked MFA-verified. A wrong code is refused by auth; a
 * user whose roles do not ask for MFA connects with the login certificate as before.
 */
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MFAClient } from '../src/api/client/index.js';
import { totpCode } from '../src/auth/totp.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { ProxyClient, loadClientIdentity } from '../src/client/index.js';
import { identityFromCertificate } from '../src/tlsca/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { freePort, startPostgres, type TestPostgres } from './helpers/postgres-server.js';
import { loginUser, type TshRun, type TshUser } from './helpers/tsh-user.js';

const run = promisify(execFile);
let c: TestCluster;
let pg: TestPostgres;
let mia: TshUser;
let nora: TshUser;
/** Fresh TOTP secrets of mia's, one per code used (a code may be used once). */
const spare: string[] = [];

async function psql(home: string, conn: string, sql: string): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run('psql', [conn, '-Atc', sql], { env: { PATH: process.env.PATH, HOME: home, PGCONNECT_TIMEOUT: '10' } });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

/** A code from a device of mia's not used before. */
function freshCode(): string {
  const secret = spare.shift();
  if (!secret) throw new Error('no spare TOTP device left');
  // The next period's: registering the device used this period's.
  return totpCode(secret, Date.now() + 30_000);
}

beforeAll(async () => {
  const pgPort = await freePort();
  c = await startCluster({
    clusterName: 'mfadb.test',
    authExtra: 'authentication:\n  type: local\n  second_factor: otp',
    extraSections: ['db_service:', '  enabled: yes', '  databases:', `  - {name: pg, protocol: postgres, uri: "127.0.0.1:${pgPort}", static_labels: {env: test}}`, ''].join('\n'),
  });
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  expect(await runTctl(['-c', c.configPath, 'auth', 'sign', '--format=db', '--host=localhost,127.0.0.1', '--out=server', '--ttl=2190h'], cap.io), cap.err()).toBe(0);
  pg = await startPostgres({ port: pgPort, certPrefix: join(c.dir, 'server') });
  const admin = await c.admin();
  const allow = { db_labels: { env: 'test' }, db_users: ['postgres'], db_names: ['*'] };
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'db-mfa' }, spec: { options: { require_session_mfa: true }, allow } });
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'db-plain' }, spec: { allow } });
  [mia, nora] = await Promise.all([loginUser(c, 'mia', ['db-mfa'], []), loginUser(c, 'nora', ['db-plain'], [])]);
  const identity = await loadClientIdentity({ home: mia.home, insecure: true, cwd: mia.home, now: Date.now() });
  const proxy = await ProxyClient.connect({ identity });
  try {
    const mfa = new MFAClient(proxy.authClient());
    for (let i = 0; i < 5; i++) {
      const secret = (await mfa.registerChallenge({ type: 'totp' })).totp!.secret;
      await mfa.addDevice({ name: `device-${i}`, type: 'totp', totp_code: totpCode(secret, Date.now()) });
      spare.push(secret);
    }
  } finally {
    proxy.close();
  }
  for (const u of [mia, nora]) {
    const r = await u.tsh(['db', 'login', 'pg', '--db-user=postgres', '--db-name=postgres'], { env: { PATH: process.env.PATH! } });
    expect(r.code, r.err).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([mia?.cleanup(), nora?.cleanup()]);
  await pg?.close();
  await c?.close();
});

describe('per-session MFA for database sessions', () => {
  it('refuses psql with the tsh db login certificate when a role requires MFA, in Teleport\'s words', async () => {
    const r = await psql(mia.home, 'service=mfadb.test-pg', 'select 1');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('access to resource requires MFA');
    expect(r.err).toContain('tsh db connect');
    // A role without the option: the same certificate kind connects.
    const plain = await psql(nora.home, 'service=mfadb.test-pg', 'select 40 + 2');
    expect(plain).toMatchObject({ code: 0, out: '42\n' });
  });

  it('tsh db connect asks for a code, refuses a wrong one, and runs psql after a good one', async () => {
    const bad = await mia.tsh(['db', 'connect', 'pg'], { stdin: '000000\n', env: { PATH: process.env.PATH! } });
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('Enter an OTP code from a device');
    expect(bad.err).toMatch(/the TOTP code is not valid or was already used/);
    const good = await mia.tsh(['db', 'connect', 'pg'], { stdin: `${freshCode()}\nselect 6 * 7 as answer;\n`, env: { PATH: process.env.PATH! } });
    expect(good.err).not.toContain('requires MFA');
    expect(good.code, good.err).toBe(0);
    expect(good.out).toMatch(/answer\s*\n-+\s*\n\s*42\s*\n/);
  });

  it('tsh proxy db --tunnel asks for a code once, then psql connects through the local port', async () => {
    const port = await freePort();
    const ctl = new AbortController();
    const done: Promise<TshRun> = mia.tsh(['proxy', 'db', '--tunnel', 'pg', '--port', String(port)], { stdin: `${freshCode()}\n`, sys: { signal: ctl.signal }, env: { PATH: process.env.PATH! } });
    await waitForPort(port, done);
    try {
      for (const n of [1, 2]) {
        const r = await psql(mia.home, `host=127.0.0.1 port=${port} user=postgres dbname=postgres sslmode=disable`, `select ${n} + 40`);
        expect(r, r.err).toMatchObject({ code: 0, out: `${n + 40}\n` });
      }
    } finally {
      ctl.abort();
    }
    const printed = await done;
    expect(printed.err).toContain('Enter an OTP code from a device');
    expect(printed.out).toContain('Started authenticated tunnel for the PostgreSQL database "pg"');
  });

  it('issues a one-minute certificate routed to the database and marked MFA-verified', async () => {
    const identity = await loadClientIdentity({ home: mia.home, insecure: true, cwd: mia.home, now: Date.now() });
    const proxy = await ProxyClient.connect({ identity });
    try {
      const mfa = new MFAClient(proxy.authClient());
      const certs = await mfa.sessionCerts({
        totp_code: freshCode(),
        public_key: createPublicKey(identity.privateKey).export({ type: 'spki', format: 'pem' }).toString(),
        route_to_database: { service_name: 'pg', protocol: 'postgres', username: 'postgres' },
      });
      const id = identityFromCertificate(certs.tls);
      expect(id.mfaVerified).toMatch(/^[0-9a-f-]{36}$/);
      expect(id.routeToDatabase).toMatchObject({ serviceName: 'pg', protocol: 'postgres', username: 'postgres' });
      expect(id.expires.getTime() - Date.now()).toBeLessThanOrEqual(61_000);
      // Two targets at once, or none, are refused.
      const both = await mfa.sessionCerts({ totp_code: '000000', public_key: 'x', node: 'n', kubernetes_cluster: 'k' }).catch((e: unknown) => e as Error);
      expect((both as Error).message).toContain('name exactly one target');
    } finally {
      proxy.close();
    }
  });
});

/** Resolves once `port` accepts connections; rejects if tsh ends first. */
async function waitForPort(port: number, done: Promise<TshRun>): Promise<void> {
  let up!: () => void;
  const ready = new Promise<void>((r) => (up = r));
  const poll = setInterval(() => {
    const s = netConnect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      up();
    });
    s.on('error', () => {});
  }, 100);
  try {
    await Promise.race([ready, done.then((r) => Promise.reject(new Error(`tsh proxy db ended: ${r.err}`)))]);
  } finally {
    clearInterval(poll);
  }
}
