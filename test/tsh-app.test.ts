/**
 * Application access from tsh, end to end: a cluster whose app_service serves a small HTTP app of
 * the test's own (`dashboard`, env=dev), an app the user's roles do not reach (`secret`, env=prod)
 * and a TCP app (`pg-tcp`) pointing at the PostgreSQL on 127.0.0.1:5432. A user whose role allows
 * `app_labels: {env: dev}` lists the apps (`tsh apps ls`), logs into one (`tsh apps login`),
 * reaches it with the real curl and the printed certificate (`--resolve dashboard.localhost`),
 * through `tsh proxy app` with plain HTTP, and reaches PostgreSQL with the real psql through
 * `tsh proxy app pg-tcp`; logout ends the session so the old certificate stops working.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect as netConnect } from 'node:net';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentServer } from '../src/api/types/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { freePort } from './helpers/postgres-server.js';
import { loginUser, type TshRun, type TshUser } from './helpers/tsh-user.js';

const run = promisify(execFile);
let c: TestCluster;
let app: Server;
let alice: TshUser;
let webPort: number;

/** The test's app: answers every request with who the proxy said it is and what was asked. */
async function startApp(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`dashboard app: ${req.method} ${req.url} jwt=${req.headers['teleport-jwt-assertion'] ? 'yes' : 'no'}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as { port: number }).port };
}

async function curl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run('curl', ['-sS', '--max-time', '10', ...args]);
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

async function waitForApps(names: string[]): Promise<void> {
  const admin = await c.admin();
  const deadline = Date.now() + 20_000;
  for (;;) {
    const have = (await admin.listAgentServers<AgentServer>('app_server')).map((s) => s.metadata.name);
    if (names.every((n) => have.includes(n))) return;
    if (Date.now() > deadline) throw new Error(`apps ${names.join(', ')} did not register (have ${have.join(', ')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True once something listens on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Runs `tsh proxy app` in-process until `stop` aborts; resolves once its port listens. */
async function proxyApp(name: string, port: number, now?: () => number): Promise<{ stop: () => Promise<void>; err: () => string }> {
  const ctl = new AbortController();
  let ended: TshRun | undefined;
  let stderr = '';
  const done = alice.tsh(['proxy', 'app', name, '--port', String(port)], { sys: { signal: ctl.signal, ...(now && { now }) }, onStderr: (all) => (stderr = all) }).then((r) => (ended = r));
  const deadline = Date.now() + 15_000;
  while (!(await listening(port))) {
    if (ended) throw new Error(`tsh proxy app ended: ${ended.code} ${ended.err}`);
    if (Date.now() > deadline) throw new Error('tsh proxy app did not listen');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    err: () => stderr,
    stop: async () => {
      ctl.abort();
      const r = await done;
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe(`Proxying connections to ${name} on 127.0.0.1:${port}\n`);
    },
  };
}

beforeAll(async () => {
  const a = await startApp();
  app = a.server;
  c = await startCluster({
    extraSections: [
      'app_service:',
      '  enabled: yes',
      '  apps:',
      '  - name: dashboard',
      '    description: Kubernetes dashboard',
      `    uri: http://127.0.0.1:${a.port}`,
      '    public_addr: dashboard.localhost',
      '    labels: {env: dev}',
      '  - name: pg-tcp',
      '    uri: tcp://127.0.0.1:5432',
      '    public_addr: pg-tcp.localhost',
      '    labels: {env: dev}',
      '  - name: secret',
      `    uri: http://127.0.0.1:${a.port}`,
      '    public_addr: secret.localhost',
      '    labels: {env: prod}',
    ].join('\n'),
  });
  webPort = Number(c.webAddr.split(':')[1]);
  const admin = await c.admin();
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'dev-apps' }, spec: { allow: { app_labels: { env: 'dev' } } } });
  await waitForApps(['dashboard', 'pg-tcp', 'secret']);
  alice = await loginUser(c, 'alice', ['dev-apps'], []);
}, 60_000);

afterAll(async () => {
  await alice?.cleanup();
  await c?.close();
  await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
});

describe('tsh apps', () => {
  it("lists the apps the roles' app_labels reach, in Teleport's table and as JSON", async () => {
    const ls = await alice.tsh(['apps', 'ls'], { columns: 200 });
    expect(ls.code, ls.err).toBe(0);
    const lines = ls.out.split('\n').map((l) => l.trimEnd());
    expect(lines[0]).toMatch(/^Application\s+Description\s+Type\s+Public Address\s+Labels$/);
    expect(lines.find((l) => l.startsWith('dashboard'))).toMatch(/^dashboard\s+Kubernetes dashboard\s+HTTP\s+dashboard\.localhost\s+env=dev$/);
    expect(lines.find((l) => l.startsWith('pg-tcp'))).toMatch(/^pg-tcp\s+TCP\s+pg-tcp\.localhost\s+env=dev$/);
    expect(ls.out).not.toContain('secret');
    const filtered = await alice.tsh(['apps', 'ls', 'env=dev', '--format=json']);
    expect(JSON.parse(filtered.out)).toHaveLength(2);
    expect((await alice.tsh(['apps', 'ls', 'env=prod', '--format=json'])).out).toBe('[]\n');
    const json = await alice.tsh(['app', 'ls', '--format=json']);
    expect(JSON.parse(json.out).map((a: { metadata: { name: string } }) => a.metadata.name)).toEqual(['dashboard', 'pg-tcp']);
  });

  it('logs into an HTTP app: the certificate works with curl against the proxy, config prints its files', async () => {
    const login = await alice.tsh(['apps', 'login', 'dashboard']);
    expect(login.code, login.err).toBe(0);
    expect(login.out).toMatch(/^Logged into app dashboard\. Example curl command:\n\ncurl --insecure \\\n {2}--cert \S+\/alice-app\/test\.example\.com\/dashboard\.crt \\\n {2}--key \S+\/dashboard\.key \\\n {2}https:\/\/dashboard\.localhost:\d+\n/);
    expect(login.out).toContain('WARNING: tsh was called with --insecure');
    const cert = (await alice.tsh(['apps', 'config', '--format=cert'])).out.trim();
    const key = (await alice.tsh(['apps', 'config', 'dashboard', '-f', 'key'])).out.trim();
    expect(existsSync(cert) && existsSync(key)).toBe(true);
    expect((await alice.tsh(['apps', 'config', '--format=uri'])).out.trim()).toBe(`https://dashboard.localhost:${webPort}`);
    const table = await alice.tsh(['apps', 'config']);
    expect(table.out).toMatch(/^Name:\s+dashboard\s*\nURI:\s+https:\/\/dashboard\.localhost:\d+\s*\nCA:\s+\S+certs\.pem\s*\nCert:\s+\S+dashboard\.crt\s*\nKey:\s+\S+dashboard\.key/);
    expect((await alice.tsh(['apps', 'ls'])).out).toMatch(/^> dashboard /m);

    const r = await curl(['--insecure', '--cert', cert, '--key', key, '--resolve', `dashboard.localhost:${webPort}:127.0.0.1`, `https://dashboard.localhost:${webPort}/some/path?q=1`]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('dashboard app: GET /some/path?q=1 jwt=yes\n');
  });

  it('refuses an app the roles do not reach, and a config format it does not know', async () => {
    const denied = await alice.tsh(['apps', 'login', 'secret']);
    expect(denied.code).not.toBe(0);
    // Not listed for this user (auth filters by app_labels), so tsh does not find it.
    expect(denied.err).toContain('app "secret" not found, use "tsh apps ls" to see registered apps');
    // Identity files have no place for app logins.
    const file = `${c.dir}/alice.pem`;
    const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
    expect(await runTctl(['-c', c.configPath, 'auth', 'sign', '--user=alice', `--out=${file}`], cap.io), cap.err()).toBe(0);
    const withFile = await alice.tsh(['-i', file, `--proxy=${c.webAddr}`, '--insecure', 'apps', 'login', 'dashboard']);
    expect(withFile.code).not.toBe(0);
    expect(withFile.err).toContain('app logins are kept in a tsh profile: run "tsh login --proxy=<proxy>" instead of -i');
    const bad = await alice.tsh(['apps', 'config', '--format=xml']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/invalid format, expected one of .* got "xml"/);
  });

  it('tsh proxy app serves plain HTTP on a local port', async () => {
    const port = await freePort();
    const p = await proxyApp('dashboard', port);
    try {
      const r = await curl([`http://127.0.0.1:${port}/hello`]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe('dashboard app: GET /hello jwt=yes\n');
    } finally {
      await p.stop();
    }
  });

  it('tsh proxy app outlives its app certificate: a new one is issued from the login, and an expired login is told to log in again', async () => {
    const { identityFromCertificate } = await import('../src/tlsca/index.js');
    const certFile = () => alice.tsh(['apps', 'config', 'dashboard', '--format=cert']).then((r) => r.out.trim());
    const sessionOf = async () => identityFromCertificate(await readFile(await certFile(), 'utf8')).routeToApp?.sessionId;
    // tsh's clock (the injected one) moves; the cluster keeps real time.
    let offset = 0;
    const port = await freePort();
    const p = await proxyApp('dashboard', port, () => Date.now() + offset);
    try {
      expect((await curl([`http://127.0.0.1:${port}/before`])).out).toBe('dashboard app: GET /before jwt=yes\n');
      const first = await sessionOf();
      const appCertEnds = identityFromCertificate(await readFile(await certFile(), 'utf8')).expires.getTime();
      // Within the last minute of the app certificate, the login still valid: the next connection gets a new one.
      offset = appCertEnds - 30_000 - Date.now();
      const renewed = await curl([`http://127.0.0.1:${port}/renewed`]);
      expect(renewed.out, p.err()).toBe('dashboard app: GET /renewed jwt=yes\n');
      const second = await sessionOf();
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
      // Past the login's end: refused with what to do, and the proxy keeps listening.
      offset = appCertEnds + 60_000 - Date.now();
      const refused = await curl([`http://127.0.0.1:${port}/after`]);
      expect(refused.out).not.toContain('dashboard app:');
      expect(p.err()).toMatch(/ERROR: your tsh login expired at \S+, and with it the certificate for app "dashboard": run "tsh login" again/);
      expect(await listening(port)).toBe(true);
    } finally {
      await p.stop();
    }
  });

  it('tsh proxy app carries psql to a TCP app (logging into it first)', async () => {
    const port = await freePort();
    const p = await proxyApp('pg-tcp', port);
    try {
      const { stdout } = await run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-Atc', "select 'through the tcp app'"], { env: { PATH: process.env.PATH, PGCONNECT_TIMEOUT: '10' } });
      expect(stdout.trim()).toBe('through the tcp app');
    } finally {
      await p.stop();
    }
    expect((await alice.tsh(['apps', 'ls'])).out).toMatch(/^> pg-tcp /m);
  });

  it('prints the TCP message for a TCP app, and refuses a busy port or an unknown app for tsh proxy app', async () => {
    const login = await alice.tsh(['apps', 'login', 'pg-tcp']);
    expect(login.code, login.err).toBe(0);
    expect(login.out).toBe('Logged into TCP app pg-tcp. Start the local TCP proxy for it:\n\n  tsh proxy app pg-tcp\n\nThen connect to the application through this proxy.\n');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (busy.address() as { port: number }).port;
      const r = await alice.tsh(['proxy', 'app', 'pg-tcp', '--port', String(port)]);
      expect(r.code).not.toBe(0);
      expect(r.err).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    } finally {
      busy.close();
    }
    const unknown = await alice.tsh(['proxy', 'app', 'nope', '--port', '0']);
    expect(unknown.err).toContain('app "nope" not found, use "tsh apps ls" to see registered apps');
    const badPort = await alice.tsh(['proxy', 'app', 'pg-tcp', '--port', 'http']);
    expect(badPort.err).toContain('--port must be a port number from 1 to 65535, got "http"');
  });

  it('logout ends the session: the old certificate no longer reaches the app', async () => {
    const cert = (await alice.tsh(['apps', 'config', 'dashboard', '--format=cert'])).out.trim();
    const key = (await alice.tsh(['apps', 'config', 'dashboard', '--format=key'])).out.trim();
    const copy = `${c.dir}/old-dashboard`;
    await run('cp', [cert, `${copy}.crt`]);
    await run('cp', [key, `${copy}.key`]);
    const out = await alice.tsh(['apps', 'logout', 'dashboard']);
    expect(out.code, out.err).toBe(0);
    expect(out.out).toBe('Logged out of app "dashboard"\n');
    expect(existsSync(cert)).toBe(false);
    // The proxy's watch dropped the session at once: the very next request is refused.
    const r = await curl(['--insecure', '--cert', `${copy}.crt`, '--key', `${copy}.key`, '--resolve', `dashboard.localhost:${webPort}:127.0.0.1`, `https://dashboard.localhost:${webPort}/`]);
    expect(r.out).not.toContain('dashboard app:');
    expect(r.out).toContain('the app session of this certificate has ended');
    // Logged into pg-tcp too: logout without a name ends every login (one left: Teleport names it).
    const rest = await alice.tsh(['apps', 'logout']);
    expect(rest.out).toBe('Logged out of app "pg-tcp"\n');
    expect((await alice.tsh(['apps', 'logout'])).out).toBe('Logged out of all apps\n');
    const none = await alice.tsh(['apps', 'config']);
    expect(none.err).toContain("please login using 'tsh apps login' first");
  });
});
