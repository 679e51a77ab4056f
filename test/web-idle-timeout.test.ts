// auth_service.web_idle_timeout (cluster_networking_config's web_idle_timeout) in headless Chromium:
// the login answer carries it as sessionInactiveTimeout, a user who keeps using the UI stays signed
// in past it, and one who leaves it untouched is signed out (the session ended at the proxy: its
// cookie no longer works) and sees why on the login page.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { inviteUser } from './helpers/web-http.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '.screenshots');
const PASSWORD = 'an idle timeout test password';
const IDLE_MS = 4_000;

describe.skipIf(!existsSync(CHROMIUM))('web_idle_timeout in the web UI', () => {
  let c: TestCluster;
  let browser: Browser;
  let page: Page;
  let secret: string;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    [c, browser] = await Promise.all([
      startCluster({ clusterName: 'idle.test', authExtra: `web_idle_timeout: ${IDLE_MS / 1000}s` }),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] }),
    ]);
    secret = await inviteUser(c, 'ida', ['access'], ['root'], PASSWORD);
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  const signIn = async (offset: number) => {
    await page.goto(`https://${c.webAddr}/web/login`);
    await page.getByLabel('Username').fill('ida');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Authenticator code').fill(totpCode(secret, Date.now() + offset));
    const answer = page.waitForResponse((r) => r.url().endsWith('/webapi/sessions/web') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const body = (await (await answer).json()) as { sessionInactiveTimeout: number };
    await page.waitForURL(/\/web\/cluster\/idle\.test\/resources$/);
    return body;
  };

  it('keeps a user who uses the UI signed in, and signs out one who leaves it untouched', async () => {
    const body = await signIn(30_000);
    expect(body.sessionInactiveTimeout).toBe(IDLE_MS);
    // Activity (pointer moves, keys) for longer than the timeout keeps the session.
    const until = Date.now() + IDLE_MS * 1.5;
    for (let x = 10; Date.now() < until; x = (x + 37) % 900) {
      await page.mouse.move(100 + x, 200);
      await page.keyboard.press('Shift');
      await page.waitForTimeout(400);
    }
    expect(page.url()).toMatch(/\/resources$/);
    // Untouched: signed out with the reason shown.
    await page.waitForURL(/\/web\/login\?/, { timeout: IDLE_MS * 3 });
    await expect.poll(() => page.getByText('You were signed out after a period of inactivity.').isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'web-idle-signed-out.png') });
    // The session itself ended: its cookie no longer opens the cluster's API.
    const status = await page.evaluate(async () => (await fetch('/v1/webapi/sites', { credentials: 'include' })).status);
    expect([401, 403]).toContain(status);
  }, 60_000);
});
