// Application access in the web UI, in a real headless Chromium against a real cluster whose
// app_service serves a dashboard-like HTTP app of the test's own (public address
// dashboard.localhost, which Chromium resolves to loopback) and a TCP app. The Resources page lists
// the apps; Launch runs Teleport's flow (the launcher creates the app session, the app's host sets
// its cookie at /x-teleport-auth) and the dashboard opens at its own address, showing the user the
// signed JWT header names; the TCP app's Connect shows the `tsh proxy app` commands. Screenshots of
// the list and the launched app go to docs/screenshots/.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentServer } from '../src/api/types/index.js';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { inviteUser } from './helpers/web-http.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', 'docs', 'screenshots');
const PASSWORD = 'a web ui app password';

/** The dashboard: an HTML page naming the user of the JWT the proxy's agent attached (its claims, unverified here). */
function dashboard(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const jwt = String(req.headers['teleport-jwt-assertion'] ?? '');
    let user = '(no JWT)';
    try {
      user = String((JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as { username?: string }).username ?? '(no username)');
    } catch {
      // no JWT: the page says so
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html><head><title>Kubernetes Dashboard</title>
<style>body{font-family:sans-serif;margin:0}header{background:#326ce5;color:#fff;padding:16px 24px;font-size:20px}
main{padding:24px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:6px 12px;text-align:left}</style></head>
<body><header>Kubernetes Dashboard</header><main><p id="who">Signed in through Teleport as ${user.replace(/[<>&]/g, '')}</p>
<p>Path: ${String(req.url).replace(/[<>&]/g, '')}</p>
<table><tr><th>Namespace</th><th>Pods</th><th>Status</th></tr><tr><td>default</td><td>3</td><td>Running</td></tr>
<tr><td>kube-system</td><td>9</td><td>Running</td></tr></table></main></body></html>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

describe.skipIf(!existsSync(CHROMIUM))('apps in the web UI', () => {
  let c: TestCluster;
  let app: Server;
  let browser: Browser;
  let page: Page;
  let base = '';

  beforeAll(async () => {
    const d = await dashboard();
    app = d.server;
    [c, browser] = await Promise.all([
      startCluster({
        clusterName: 'uiapp.test',
        extraSections: [
          'app_service:',
          '  enabled: yes',
          '  apps:',
          '  - name: dashboard',
          '    description: Kubernetes dashboard',
          `    uri: http://127.0.0.1:${d.port}`,
          '    public_addr: dashboard.localhost',
          '    labels: {env: dev}',
          '  - name: pg-tcp',
          '    uri: tcp://127.0.0.1:5432',
          '    public_addr: pg-tcp.localhost',
          '    labels: {env: dev}',
        ].join('\n'),
      }),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] }),
    ]);
    base = `https://${c.webAddr}`;
    const admin = await c.admin();
    const deadline = Date.now() + 20_000;
    while ((await admin.listAgentServers<AgentServer>('app_server')).length < 2) {
      if (Date.now() > deadline) throw new Error('the apps did not register');
      await new Promise((r) => setTimeout(r, 100));
    }
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 720 } });
    page = await context.newPage();
    const secret = await inviteUser(c, 'erin', ['access'], [], PASSWORD);
    await page.goto(`${base}/web/login`);
    await page.getByLabel('Username').fill('erin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Authenticator code').fill(totpCode(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/web\/cluster\/uiapp\.test\/resources$/);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
    await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
  });

  it('lists the apps with their public address', async () => {
    await expect.poll(async () => (await page.reload(), await page.getByText('2 resources', { exact: true }).isVisible()), { timeout: 20_000 }).toBe(true);
    const row = page.getByRole('row', { name: /dashboard/ });
    expect(await row.getByRole('cell', { name: 'Application', exact: true }).isVisible()).toBe(true);
    expect(await row.getByText('Kubernetes dashboard').isVisible()).toBe(true);
    expect(await row.getByText('dashboard.localhost').isVisible()).toBe(true);
    expect(await row.getByRole('link', { name: 'Launch dashboard' }).getAttribute('href')).toBe('/web/launch/dashboard.localhost/uiapp.test/dashboard.localhost');
    expect(await page.getByRole('row', { name: /pg-tcp/ }).getByText('TCP application').isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'resources-apps.png') });
  });

  it('Launch opens the app at its own address, signed in', async () => {
    const [tab] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('link', { name: 'Launch dashboard' }).click()]);
    await tab.waitForURL(/^https:\/\/dashboard\.localhost:\d+\/$/, { timeout: 20_000 });
    await expect.poll(() => tab.locator('#who').textContent(), { timeout: 10_000 }).toBe('Signed in through Teleport as erin');
    await tab.screenshot({ path: join(SHOTS, 'app-launch.png') });
    // The session cookie stays on the app's host: a reload and another path need no new launch.
    await tab.goto(`https://dashboard.localhost:${new URL(base).port}/pods?ns=default`);
    expect(await tab.getByText('Path: /pods?ns=default').isVisible()).toBe(true);
    await tab.close();
  });

  it('a bookmark of the app without its cookie goes through the launcher and lands on the same path', async () => {
    await page.context().clearCookies({ domain: 'dashboard.localhost' });
    const tab = await page.context().newPage();
    await tab.goto(`https://dashboard.localhost:${new URL(base).port}/deployments/web`);
    await tab.waitForURL(/^https:\/\/dashboard\.localhost:\d+\/deployments\/web$/, { timeout: 20_000 });
    await expect.poll(() => tab.locator('#who').textContent(), { timeout: 10_000 }).toBe('Signed in through Teleport as erin');
    await tab.close();
  });

  it('opening the app signed out of the web UI asks for the login, then opens the app', async () => {
    const secret = await inviteUser(c, 'frank', ['access'], [], PASSWORD);
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 720 } });
    try {
      const tab = await context.newPage();
      await tab.goto(`https://dashboard.localhost:${new URL(base).port}/nodes`);
      await tab.waitForURL(/\/web\/login\?/, { timeout: 20_000 });
      await tab.getByLabel('Username').fill('frank');
      await tab.getByLabel('Password').fill(PASSWORD);
      await tab.getByLabel('Authenticator code').fill(totpCode(secret, Date.now() + 30_000));
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.waitForURL(/^https:\/\/dashboard\.localhost:\d+\/nodes$/, { timeout: 20_000 });
      await expect.poll(() => tab.locator('#who').textContent(), { timeout: 10_000 }).toBe('Signed in through Teleport as frank');
    } finally {
      await context.close();
    }
  });

  it('a launch URL naming another host is refused by the launcher, not followed', async () => {
    const tab = await page.context().newPage();
    await tab.goto(`${base}/web/launch/evil.localhost/uiapp.test/evil.localhost`);
    await expect.poll(() => tab.getByText('Failed to match applications with public addr evil.localhost').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(new URL(tab.url()).host).toBe(new URL(base).host);
    await tab.close();
  });

  it("a TCP app's Connect shows the tsh proxy app commands", async () => {
    await page.getByRole('button', { name: 'Connect to pg-tcp' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect to pg-tcp' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.getByLabel('Log in to Teleport', { exact: true }).innerText()).toBe(`tsh login --proxy=${new URL(base).host} --user=erin`);
    expect(await dialog.getByLabel('Start a local proxy for the app', { exact: true }).innerText()).toBe('tsh proxy app pg-tcp --port 8080');
  });
});
