// Databases in the web UI, in a real headless Chromium against a real cluster whose db_service
// serves a PostgreSQL and a MySQL database (heartbeats only): the Resources page lists them beside
// the server with their type, and Connect shows the tsh commands Teleport's UI gives (--db-name
// optional for MySQL). Screenshots go to test/.screenshots/ (gitignored) for a person to look at.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { inviteUser, waitForNode } from './helpers/web-http.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '.screenshots');
const PASSWORD = 'a web ui db password';
const me = userInfo().username;

describe.skipIf(!existsSync(CHROMIUM))('databases in the web UI', () => {
  let c: TestCluster;
  let browser: Browser;
  let page: Page;
  let base = '';
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    [c, browser] = await Promise.all([
      startCluster({
        clusterName: 'uidb.test',
        nodename: 'uidb-node',
        ssh: 'labels: {env: demo}',
        extraSections: [
          'db_service:',
          '  enabled: yes',
          '  databases:',
          '  - name: orders-pg',
          '    description: Orders in PostgreSQL',
          '    protocol: postgres',
          '    uri: db1.internal.example:5432',
          '    static_labels: {env: prod}',
          '  - name: scratch-mysql',
          '    protocol: mysql',
          '    uri: 127.0.0.1:3306',
          '    static_labels: {env: dev}',
        ].join('\n'),
      }),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] }),
    ]);
    base = `https://${c.webAddr}`;
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await waitForNode(c, 'uidb-node');
    const secret = await inviteUser(c, 'dana', ['access'], [me], PASSWORD);
    await page.goto(`${base}/web/login`);
    await page.getByLabel('Username').fill('dana');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Authenticator code').fill(totpCode(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/web\/cluster\/uidb\.test\/resources$/);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  it('lists the databases beside the server with their type', async () => {
    // The db_service may heartbeat after the first load: the page refreshes what it shows.
    await expect.poll(async () => (await page.reload(), await page.getByText('3 resources', { exact: true }).isVisible()), { timeout: 20_000 }).toBe(true);
    const pg = page.getByRole('row', { name: /orders-pg/ });
    expect(await pg.getByRole('cell', { name: 'Database', exact: true }).isVisible()).toBe(true);
    expect(await pg.getByText('Orders in PostgreSQL').isVisible()).toBe(true);
    expect(await pg.getByText('Self-hosted PostgreSQL · db1.internal.example').isVisible()).toBe(true);
    expect(await pg.getByRole('button', { name: 'env: prod' }).isVisible()).toBe(true);
    const my = page.getByRole('row', { name: /scratch-mysql/ });
    expect(await my.getByText('Self-hosted MySQL · 127.0.0.1').first().isVisible()).toBe(true);
    expect(await page.getByRole('row', { name: /uidb-node/ }).getByRole('cell', { name: 'Server', exact: true }).isVisible()).toBe(true);
    await page.getByRole('combobox', { name: 'Type' }).selectOption('db');
    await expect.poll(() => page.getByText('2 resources', { exact: true }).isVisible()).toBe(true);
    await shot('resources-databases');
  });

  it('shows the tsh commands in the Connect dialog', async () => {
    await page.getByRole('button', { name: 'Connect to orders-pg' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect to orders-pg' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const host = new URL(base).host;
    expect(await dialog.getByLabel('Log in to Teleport', { exact: true }).innerText()).toBe(`tsh login --proxy=${host} --user=dana`);
    expect(await dialog.getByLabel('Connect to the database', { exact: true }).innerText()).toBe('tsh db connect orders-pg --db-user=<user> --db-name=<name>');
    await shot('db-connect-dialog');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Connect to scratch-mysql' }).click();
    const mysql = page.getByRole('dialog', { name: 'Connect to scratch-mysql' });
    expect(await mysql.getByLabel('Connect to the database', { exact: true }).innerText()).toBe('tsh db connect scratch-mysql --db-user=<user> [--db-name=<name>]');
  });
});
