/**
 * Application access end to end: a cluster whose app_service proxies a real HTTPS app on loopback
 * (self-signed certificate, a websocket endpoint, a redirect to its own address), a second app that
 * is down, and an app other users may not reach. Requests go to the proxy's web port by the app's
 * host name (`dashboard.localhost`, as a browser sends it) with the app session cookies, or with a
 * `tsh app login`-style certificate (curl). The app verifies `teleport-jwt-assertion` against the
 * proxy's `/.well-known/jwks.json`; forged identity headers never reach it; refusals are clear.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, get as httpsGet, request as httpsRequest, type Server } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type ClientOptions } from 'ws';
import type { AppSessionWire } from '../src/api/app-wire.js';
import { AuthClient } from '../src/api/client/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { WebAgent, inviteUser } from './helpers/web-http.js';

const run = promisify(execFile);
let c: TestCluster;
let app: Server;
let appPort = 0;
let webPort = 0;
let echo: NetServer;
let echoPort = 0;
/** What the app saw of the last request to /echo. */
interface Seen {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  claims?: Record<string, unknown>;
  jwtError?: string;
}

/** The proxy's JWKS, fetched by the app as any app would (the proxy's certificate is self-signed here). */
function fetchJWKS(): Promise<JSONWebKeySet> {
  return new Promise((resolve, reject) => {
    httpsGet({ host: '127.0.0.1', port: webPort, path: '/.well-known/jwks.json', headers: { host: `localhost:${webPort}` }, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(JSON.parse(body) as JSONWebKeySet));
    }).on('error', reject);
  });
}

/** The test app: /echo reports the request and its verified JWT; /go redirects to its own address; /ws echoes. */
async function startApp(dir: string): Promise<void> {
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=internal.example.com', '-keyout', join(dir, 'app.key'), '-out', join(dir, 'app.crt')]);
  app = createServer({ key: await readFile(join(dir, 'app.key')), cert: await readFile(join(dir, 'app.crt')) }, (req, res) => {
    void (async () => {
      if (req.url === '/go') {
        res.writeHead(302, { location: `https://127.0.0.1:${appPort}/landing?x=1` });
        return res.end();
      }
      if (req.url === '/elsewhere') {
        res.writeHead(302, { location: 'https://internal.example.com/inside' });
        return res.end();
      }
      const seen: Seen = { path: req.url ?? '', headers: req.headers };
      const token = req.headers['teleport-jwt-assertion'];
      try {
        const { payload } = await jwtVerify(String(token), createLocalJWKSet(await fetchJWKS()), { issuer: 'test.example.com', audience: `https://127.0.0.1:${appPort}` });
        seen.claims = payload as Record<string, unknown>;
      } catch (err) {
        seen.jwtError = (err as Error).message;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(seen));
    })();
  });
  const wss = new WebSocketServer({ server: app, path: '/ws' });
  wss.on('connection', (sock, req) => {
    sock.send(`hello ${String(req.headers['x-forwarded-host'])}`);
    sock.on('message', (m) => sock.send(`echo ${m.toString()}`));
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  appPort = (app.address() as AddressInfo).port;
}

/** A response from the proxy's web port to `host`, as a browser (or curl --resolve) sends it. */
interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
function get(host: string, path: string, opts: { headers?: Record<string, string>; cert?: { cert: string; key: string }; method?: string; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: webPort,
        method: opts.method ?? 'GET',
        path,
        servername: host,
        headers: { host: `${host}:${webPort}`, ...opts.headers },
        rejectUnauthorized: false,
        agent: false,
        ...opts.cert,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

/** Polls `tctl apps ls` until `test` holds of its output; the last output otherwise. */
async function appsLsUntil(test: (out: string) => boolean): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ls = await tctl('apps', 'ls');
    expect(ls.code, ls.err).toBe(0);
    if (test(ls.out) || Date.now() > deadline) return ls.out;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A user's own auth client (their certificate), as tsh and the web UI act for them. */
async function userClient(name: string): Promise<{ client: AuthClient; key: string; cert: string }> {
  const admin = await c.admin();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certs = await admin.generateUserCerts({ username: name, public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { client: new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, credentials: { keyPem: key, certPem: certs.tls, caPems: certs.tls_ca_certs } }), key, cert: certs.tls };
}

function cookiesOf(s: AppSessionWire): Record<string, string> {
  return { cookie: `__Host-grv_app_session=${s.session_id}; __Host-grv_app_session_subject=${s.subject_token}; other=kept` };
}

beforeAll(async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'app-test-'));
  await startApp(dir);
  echo = createNetServer((sock) => sock.on('data', (d: Buffer) => sock.write(`tcp:${d.toString()}`)));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as AddressInfo).port;
  c = await startCluster({
    proxyExtra: 'public_addr: localhost:3080',
    extraSections: [
      'app_service:',
      '  enabled: yes',
      '  apps:',
      '  - name: dashboard',
      `    uri: https://127.0.0.1:${appPort}`,
      '    insecure_skip_verify: true',
      '    public_addr: dashboard.localhost',
      '    labels: {env: dev}',
      '    rewrite:',
      '      redirect: [internal.example.com]',
      '      headers: ["X-Custom: {{internal.logins}}", "X-Team: platform"]',
      '  - name: down',
      '    uri: http://127.0.0.1:1',
      '    labels: {env: dev}',
      '  - name: echo-tcp',
      `    uri: tcp://127.0.0.1:${echoPort}`,
      '    labels: {env: dev}',
      '  - name: secret',
      `    uri: https://127.0.0.1:${appPort}`,
      '    insecure_skip_verify: true',
      '    labels: {env: prod}',
      '  resources:',
      '  - labels: {registered: "yes"}',
    ].join('\n'),
  });
  webPort = Number(c.webAddr.split(':')[1]);
  const admin = await c.admin();
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'app-dev' }, spec: { allow: { app_labels: { env: 'dev' }, logins: ['{{internal.logins}}'] }, deny: {} } });
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'no-secret' }, spec: { allow: { app_labels: { '*': '*' } }, deny: { app_labels: { env: 'prod' } } } });
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'alice' }, spec: { roles: ['app-dev'], traits: { logins: ['alice-login', 'ops'] } } });
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'bob' }, spec: { roles: ['no-secret'] } });
}, 60_000);

afterAll(async () => {
  app?.closeAllConnections();
  app?.close();
  echo?.close();
  await c?.close();
});

describe('application access', () => {
  it('relays to the app by host name with the app session cookies, the JWT verified by the app, forged headers stripped', async () => {
    const { client } = await userClient('alice');
    const s = await client.createAppSession({ app_name: 'dashboard' });
    expect(s).toMatchObject({ user: 'alice', app_name: 'dashboard', public_addr: 'dashboard.localhost', cluster_name: 'test.example.com' });
    const r = await get('dashboard.localhost', '/echo?q=1', {
      headers: { ...cookiesOf(s), 'teleport-jwt-assertion': 'forged', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.example.com', accept: 'application/json' },
    });
    expect(r.status, r.body).toBe(200);
    const seen = JSON.parse(r.body) as Seen;
    expect(seen.jwtError).toBeUndefined();
    expect(seen.claims).toMatchObject({ sub: 'alice', username: 'alice', roles: ['app-dev'], iss: 'test.example.com', traits: { logins: ['alice-login', 'ops'] } });
    expect(seen.path).toBe('/echo?q=1');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-host']).toBe(`dashboard.localhost:${webPort}`);
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(seen.headers['x-custom']).toBe('alice-login,ops');
    expect(seen.headers['x-team']).toBe('platform');
    // The app never sees the session cookies; its own cookies pass.
    expect(seen.headers.cookie).toBe('other=kept');

    // A redirect to the app's own address, or to a host of rewrite.redirect, comes back at its public address.
    const go = await get('dashboard.localhost', '/go', { headers: cookiesOf(s) });
    expect(go.status).toBe(302);
    expect(go.headers.location).toBe(`https://dashboard.localhost:${webPort}/landing?x=1`);
    const away = await get('dashboard.localhost', '/elsewhere', { headers: cookiesOf(s) });
    expect(away.headers.location).toBe(`https://dashboard.localhost:${webPort}/inside`);
  });

  it('answers every request of many concurrent keep-alive connections', async () => {
    const { client } = await userClient('alice');
    const s = await client.createAppSession({ app_name: 'dashboard' });
    const { Agent } = await import('node:https');
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const one = () =>
      new Promise<string>((resolve, reject) => {
        httpsRequest({ host: '127.0.0.1', port: webPort, path: '/echo', servername: 'dashboard.localhost', headers: { host: `dashboard.localhost:${webPort}`, ...cookiesOf(s) }, rejectUnauthorized: false, agent }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(res.statusCode === 200 ? '200' : `${res.statusCode} ${body}`));
        })
          .on('error', reject)
          .end();
      });
    const results = await Promise.all(Array.from({ length: 160 }, one));
    agent.destroy();
    expect(results.filter((r) => r !== '200')).toEqual([]);
  });

  it('passes websockets through', async () => {
    const { client } = await userClient('alice');
    const s = await client.createAppSession({ public_addr: 'dashboard.localhost' });
    const ws = new WebSocket(`wss://127.0.0.1:${webPort}/ws`, { headers: { host: `dashboard.localhost:${webPort}`, ...cookiesOf(s) }, servername: 'dashboard.localhost', rejectUnauthorized: false } as ClientOptions);
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (m) => {
        got.push(m.toString());
        if (got.length === 1) ws.send('ping');
        else {
          ws.close();
          resolve();
        }
      });
      ws.on('error', reject);
    });
    expect(got).toEqual([`hello dashboard.localhost:${webPort}`, 'echo ping']);
  });

  it('completes the browser cookie exchange on the app host (x-teleport-auth)', async () => {
    const { client } = await userClient('alice');
    const s = await client.createAppSession({ app_name: 'dashboard' });
    const start = await get('dashboard.localhost', '/x-teleport-auth?path=%2Fecho');
    expect(start.status).toBe(302);
    const location = new URL(String(start.headers.location));
    expect(`${location.host}${location.pathname}`).toBe(`localhost:${webPort}/web/launch/dashboard.localhost/test.example.com/dashboard.localhost`);
    const state = location.searchParams.get('state')!;
    expect(location.searchParams.get('path')).toBe('/echo');
    const stateCookie = String(start.headers['set-cookie']).split(';')[0];
    expect(stateCookie).toMatch(/^__Host-grv_app_auth_state_[0-9a-f]{32}=[0-9a-f]{64}$/);

    const page = await get('dashboard.localhost', `/x-teleport-auth?state=${state}&subject=${s.subject_token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("fetch('/x-teleport-auth'");

    const body = JSON.stringify({ state_value: state, cookie_value: s.session_id, subject_cookie_value: s.subject_token });
    const wrongState = await get('dashboard.localhost', '/x-teleport-auth', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(wrongState.status).toBe(403);
    const done = await get('dashboard.localhost', '/x-teleport-auth', { method: 'POST', body, headers: { 'content-type': 'application/json', cookie: stateCookie } });
    expect(done.status, done.body).toBe(200);
    const set = done.headers['set-cookie'] as string[];
    expect(set).toContain(`__Host-grv_app_session=${s.session_id}; Path=/; HttpOnly; Secure; SameSite=None`);
    expect(set).toContain(`__Host-grv_app_session_subject=${s.subject_token}; Path=/; HttpOnly; Secure; SameSite=None`);
  });

  it('serves tsh app certificates (curl with --cert) and refuses a certificate once its session ended', async () => {
    const { client, key } = await userClient('alice');
    const s = await client.createAppSession({ app_name: 'dashboard' });
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certs = await client.generateUserCerts({
      username: 'alice',
      public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      route_to_app: { name: 'dashboard', session_id: s.session_id, public_addr: s.public_addr, cluster_name: s.cluster_name },
    });
    void key;
    const crt = join(c.dir, 'alice-app.crt');
    const k = join(c.dir, 'alice-app.key');
    await writeFile(crt, certs.tls);
    await writeFile(k, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const curl = await run('curl', ['-sS', '-k', '--cert', crt, '--key', k, '--resolve', `dashboard.localhost:${webPort}:127.0.0.1`, `https://dashboard.localhost:${webPort}/echo`]);
    const seen = JSON.parse(curl.stdout) as Seen;
    expect(seen.claims).toMatchObject({ username: 'alice' });

    // The proxy learns of the end through its watch: the next request is refused, with no cache to wait out.
    await client.deleteAppSession(s.session_id);
    const after = await run('curl', ['-sS', '-k', '--cert', crt, '--key', k, '--resolve', `dashboard.localhost:${webPort}:127.0.0.1`, `https://dashboard.localhost:${webPort}/echo`]);
    expect(after.stdout).toContain('the app session of this certificate has ended');
  });

  it('relays a TCP app (ALPN teleport-tcp with the app certificate), and refuses one without a certificate', async () => {
    const { client } = await userClient('alice');
    const s = await client.createAppSession({ app_name: 'echo-tcp' });
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certs = await client.generateUserCerts({
      username: 'alice',
      public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      route_to_app: { name: 'echo-tcp', session_id: s.session_id, public_addr: s.public_addr, cluster_name: s.cluster_name },
    });
    const talk = (cert?: { cert: string; key: string }) =>
      new Promise<string>((resolve) => {
        const sock = tlsConnect({ host: '127.0.0.1', port: webPort, servername: s.public_addr, ALPNProtocols: ['teleport-tcp'], rejectUnauthorized: false, ...cert }, () => sock.write('ping'));
        let got = '';
        sock.on('data', (d: Buffer) => {
          got += d.toString();
          sock.end();
        });
        sock.on('close', () => resolve(got));
        sock.on('error', () => resolve(got));
      });
    expect(await talk({ cert: certs.tls, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() })).toBe('tcp:ping');
    expect(await talk()).toBe('');
  });

  it('lists apps with tctl apps ls and serves app resources created with tctl create, selected by app_service.resources', async () => {
    const ls = await appsLsUntil((out) => out.includes('dashboard'));
    expect(ls).toMatch(/Host\s+Name\s+Public Address\s+URI\s+Labels\s+Version/);
    expect(ls).toMatch(new RegExp(`test-auth\\s+dashboard\\s+dashboard\\.localhost\\s+https://127\\.0\\.0\\.1:${appPort}\\s+env=dev`));
    expect(ls).toMatch(/down\s+down\.localhost\s+http:\/\/127\.0\.0\.1:1/);

    const file = join(c.dir, 'app.yaml');
    const doc = (labels: string) =>
      ['kind: app', 'version: v3', 'metadata:', '  name: registered', `  labels: {${labels}}`, 'spec:', `  uri: https://127.0.0.1:${appPort}`, '  public_addr: registered.localhost', '  insecure_skip_verify: true', ''].join('\n');
    await writeFile(file, doc('env: dev, registered: "yes"'));
    const created = await tctl('create', file);
    expect(created.err).toBe('');
    expect(created.out).toBe('application "registered" has been created\n');
    const got = await tctl('get', 'apps/registered', '--format=json');
    expect(JSON.parse(got.out)).toMatchObject([{ kind: 'app', version: 'v3', metadata: { name: 'registered', labels: { 'teleport.dev/origin': 'dynamic' } } }]);
    expect(await appsLsUntil((out) => out.includes('registered'))).toContain('registered.localhost');

    const { client } = await userClient('alice');
    const s = await client.createAppSession({ app_name: 'registered' });
    const r = await get('registered.localhost', '/echo', { headers: cookiesOf(s) });
    expect(r.status, r.body).toBe(200);
    expect((JSON.parse(r.body) as Seen).claims).toMatchObject({ username: 'alice' });

    // Relabelled away from the selector, it is no longer served.
    await writeFile(file, doc('env: dev'));
    expect((await tctl('create', '-f', file)).out).toBe('application "registered" has been updated\n');
    expect(await appsLsUntil((out) => !out.includes('registered'))).not.toContain('registered');
    expect((await tctl('rm', 'app/registered')).out).toBe('application "registered" has been deleted\n');
  });

  it('refuses a user whose roles do not reach the app, and a missing or foreign session', async () => {
    const bob = await userClient('bob');
    await expect(bob.client.createAppSession({ app_name: 'secret' })).rejects.toThrow(/access to app "secret" denied: role no-secret denies it/);
    const alice = await userClient('alice');
    await expect(alice.client.createAppSession({ app_name: 'secret' })).rejects.toThrow(/access to app "secret" denied: no role allows it/);
    await expect(alice.client.createAppSession({ app_name: 'nope' })).rejects.toThrow(/app "nope" not found/);
    await expect(alice.client.createAppSession({ app_name: 'dashboard', username: 'bob' })).rejects.toThrow(/may not create an app session for "bob"/);

    // Listings show each user the apps their roles reach (tsh app ls and the web UI read this).
    const names = async (cl: AuthClient) => (await cl.listAgentServers<{ metadata: { name: string } }>('app_server')).map((x) => x.metadata.name).sort();
    expect(await names(alice.client)).toEqual(['dashboard', 'down', 'echo-tcp']);
    expect(await names(bob.client)).toEqual(['dashboard', 'down', 'echo-tcp']);

    // No cookie: a browser goes to the launcher; an API client gets a clear refusal.
    const browser = await get('dashboard.localhost', '/some/page?x=1', { headers: { accept: 'text/html' } });
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe(`https://localhost:${webPort}/web/launch/dashboard.localhost/test.example.com/dashboard.localhost?path=%2Fsome%2Fpage%3Fx%3D1`);
    const api = await get('dashboard.localhost', '/echo', { headers: { accept: 'application/json' } });
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body)).toEqual({ error: { message: expect.stringContaining('not signed in to app "dashboard"') } });

    // A subject that does not match, and a session for another app.
    const s = await alice.client.createAppSession({ app_name: 'dashboard' });
    const forged = await get('dashboard.localhost', '/echo', { headers: { cookie: `__Host-grv_app_session=${s.session_id}; __Host-grv_app_session_subject=${'0'.repeat(64)}` } });
    expect(forged.status).toBe(403);
    const down = await alice.client.createAppSession({ app_name: 'down' });
    const other = await get('dashboard.localhost', '/echo', { headers: { ...cookiesOf(down), accept: 'application/json' } });
    expect(other.status).toBe(403);

    // A name under the proxy's that no app has.
    const none = await get('nope.localhost', '/', { headers: { accept: 'text/html' } });
    expect(none.status).toBe(404);
    expect(none.body).toContain('no application is registered at &#34;nope.localhost&#34;');
  });

  it('ends the app sessions of a user who logs out of the web UI', async () => {
    const agent = new WebAgent(c);
    await inviteUser(c, 'carol', ['app-dev'], [], 'a long enough password', { agent, browser: true });
    const { client } = await userClient('carol');
    const s = await client.createAppSession({ app_name: 'dashboard' });
    expect((await get('dashboard.localhost', '/echo', { headers: cookiesOf(s) })).status).toBe(200);
    const out = await agent.call('DELETE', '/webapi/sessions/web');
    expect(out.status, out.text).toBe(200);
    const admin = await c.admin();
    await expect(admin.getAppSession(s.session_id)).rejects.toThrow(/app session not found or expired/);
    // At once: the proxy's watch dropped the session when it was deleted.
    const after = await get('dashboard.localhost', '/echo', { headers: { ...cookiesOf(s), accept: 'application/json' } });
    expect(after.status).toBe(403);
  });

  it('answers a clear error for an app that is down while the others keep working, and audits the sessions', async () => {
    const { client } = await userClient('alice');
    const down = await client.createAppSession({ app_name: 'down' });
    const r = await get('down.localhost', '/', { headers: { ...cookiesOf(down), accept: 'text/html' } });
    expect(r.status).toBe(502);
    expect(r.body).toContain('app &#34;down&#34; cannot be reached at http://127.0.0.1:1: ECONNREFUSED');
    const s = await client.createAppSession({ app_name: 'dashboard' });
    const ok = await get('dashboard.localhost', '/echo?audit=1', { headers: cookiesOf(s) });
    expect(ok.status).toBe(200);

    const admin = await c.admin();
    const deadline = Date.now() + 30_000;
    let types: string[] = [];
    let chunk: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      const { events } = await admin.searchEvents({ sid: s.session_id, limit: 100 });
      types = events.map((e) => String(e.event));
      chunk = events.find((e) => e.event === 'app.session.chunk') as Record<string, unknown> | undefined;
      if (types.includes('app.session.end') && chunk) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(types).toEqual(expect.arrayContaining(['app.session.start', 'app.session.chunk', 'app.session.end']));
    const all = await admin.searchEvents({ sid: s.session_id, limit: 100 });
    expect(all.events.find((e) => e.event === 'app.session.start')).toMatchObject({ code: 'T2007I', user: 'alice', app_name: 'dashboard', app_public_addr: 'dashboard.localhost' });
    expect(chunk).toMatchObject({ code: 'T2008I', requests: [{ method: 'GET', path: '/echo', raw_query: 'audit=1', status_code: 200 }] });
    const downChunk = (await admin.searchEvents({ sid: down.session_id, limit: 100 })).events.find((e) => e.event === 'app.session.chunk');
    expect(downChunk).toMatchObject({ requests: [{ path: '/', status_code: 502 }] });
  }, 40_000);
});
