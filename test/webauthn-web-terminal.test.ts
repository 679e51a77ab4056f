// Per-session MFA in the web terminal, in a real headless Chromium with its virtual authenticator,
// against a cluster with require_session_mfa and an in-process node: a user who signed in with a
// password and a security key opens a terminal; the page asks the key (the virtual authenticator
// answers) and the proxy dials the node with a one-minute mfa-verified certificate bound to it.
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { waitForNodes } from './helpers/tsh-user.js';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'a web terminal password';
const me = userInfo().username;

describe.skipIf(!existsSync(CHROMIUM))('per-session MFA in the web terminal (Chromium virtual authenticator)', () => {
  let c: TestCluster;
  let browser: Browser;
  let page: Page;
  let base = '';

  beforeAll(async () => {
    [c, browser] = await Promise.all([
      startCluster({
        clusterName: 'wterm.test',
        nodename: 'key-node',
        ssh: '',
        authExtra: 'authentication:\n  type: local\n  second_factor: webauthn\n  require_session_mfa: yes\n  webauthn:\n    rp_id: localhost',
      }),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] }),
    ]);
    base = `https://localhost:${c.webAddr.split(':')[1]}`;
    await waitForNodes(c, ['key-node']);
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 700 } });
    page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    const admin = await c.admin();
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'erin' }, spec: { roles: ['access'], traits: { logins: [me] } } });
    // second_factor: webauthn: the invite goes straight from the password to the security key.
    const invite = await admin.createUserToken('erin', { type: 'invite' });
    await page.goto(`${base}/web/invite/${invite.token}`);
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Register key and sign in' }).click();
    await page.waitForURL(/\/resources$/);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  it('asks the security key before the session and runs it', async () => {
    const node = (await waitForNodes(c, ['key-node']))[0].metadata.name;
    await page.goto(`${base}/web/cluster/wterm.test/console/node/${node}/${me}`);
    await expect.poll(() => page.locator('.xterm-rows').innerText(), { timeout: 15_000 }).toMatch(/security key[\s\S]*[$#]\s*$/m);
    await page.locator('.xterm-helper-textarea').focus();
    await page.keyboard.type('echo mfa-$((6*7))');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.xterm-rows').innerText(), { timeout: 10_000 }).toMatch(/mfa-42/);
  });
});
