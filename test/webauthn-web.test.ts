// WebAuthn in the web UI, in a real headless Chromium with its virtual authenticator (CDP
// WebAuthn.addVirtualAuthenticator: CTAP2, internal transport, resident keys, user verification)
// against a real cluster with second_factor: on and webauthn.rp_id: localhost: invite sign-up with
// a security key, login with password + key, passwordless login, the MFA devices page (the last
// device cannot be removed, a TOTP app can be added, then the key removed), and a cloned credential
// (a copy of the key whose signature counter is behind), a replayed assertion and a tampered signature
// refused. Screenshots go to docs/screenshots/.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', 'docs', 'screenshots');
const PASSWORD = 'a webauthn password';

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

describe.skipIf(!existsSync(CHROMIUM))('WebAuthn in the web UI (Chromium virtual authenticator)', () => {
  let c: TestCluster;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId = '';
  let base = '';
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  const addAuthenticator = async () =>
    (
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
      })
    ).authenticatorId;
  const logout = async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/web\/login$/);
  };

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    [c, browser] = await Promise.all([
      startCluster({ clusterName: 'webauthn.test', authExtra: 'authentication:\n  type: local\n  second_factor: on\n  webauthn:\n    rp_id: localhost' }),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'] }),
    ]);
    // WebAuthn needs a domain for the relying party ID: the browser uses localhost, not 127.0.0.1.
    base = `https://localhost:${c.webAddr.split(':')[1]}`;
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 760 } });
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    authenticatorId = await addAuthenticator();
    const admin = await c.admin();
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'alice' }, spec: { roles: ['access'], traits: { logins: ['root'] } } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  it('signs up from an invite link with a security key instead of an authenticator app', async () => {
    const invite = await (await c.admin()).createUserToken('alice', { type: 'invite' });
    await page.goto(`${base}/web/invite/${invite.token}`);
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Use a security key instead' }).click();
    await page.getByLabel('Device name').fill('yubikey');
    expect(await page.getByLabel(/passwordless/).isChecked()).toBe(true);
    await shot('invite-security-key');
    await page.getByRole('button', { name: 'Register key and sign in' }).click();
    await page.waitForURL(/\/web\/cluster\/webauthn\.test\/resources$/);
    const creds = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as VirtualCredential[];
    expect(creds).toHaveLength(1);
    expect(creds[0]).toMatchObject({ rpId: 'localhost', isResidentCredential: true });
  });

  it('lists the key on the MFA devices page, and refuses to remove the last device', async () => {
    await page.getByRole('link', { name: 'MFA devices' }).click();
    const row = page.getByRole('row', { name: /yubikey/ });
    await expect.poll(() => row.getByRole('cell', { name: 'Security key (passwordless)' }).isVisible()).toBe(true);
    await row.getByRole('button', { name: 'Remove yubikey' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/annot delete the last MFA device .*second_factor: on/);
    await shot('mfa-devices-last-refused');
    expect(await page.getByRole('row', { name: /yubikey/ }).count()).toBe(1);
  });

  it('logs in with password and security key, and passwordless with the key alone', async () => {
    await logout();
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Use a security key instead of a code' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/Invalid username, password or second factor/);
    await page.getByLabel('Password').fill(PASSWORD);
    await shot('login-security-key');
    await page.getByRole('button', { name: 'Use a security key instead of a code' }).click();
    await page.waitForURL(/\/resources$/);
    await logout();
    await page.getByRole('button', { name: 'Passwordless: use a security key' }).click();
    await page.waitForURL(/\/resources$/);
    // The login was audited as alice's.
    const events = await (await c.admin()).searchEvents({ types: ['user.login'], user: 'alice' });
    expect(JSON.stringify(events)).toContain('"user":"alice"');
  });

  it('refuses a replayed assertion and one whose signature was tampered with', async () => {
    // Capture the browser's finishsession body on a good login, then send it again.
    await logout();
    let captured = '';
    page.on('request', (r) => {
      if (r.url().endsWith('/mfa/login/finishsession')) captured = r.postData() ?? '';
    });
    await page.getByRole('button', { name: 'Passwordless: use a security key' }).click();
    await page.waitForURL(/\/resources$/);
    expect(captured).toContain('webauthnAssertionResponse');
    const csrf = await page.locator('meta[name="grv_csrf_token"]').getAttribute('content');
    const replay = await page.request.post(`${base}/v1/webapi/mfa/login/finishsession`, { data: JSON.parse(captured), headers: { 'x-csrf-token': csrf ?? '' } });
    expect(replay.status()).toBe(403);
    expect((await replay.json()).error.message).toMatch(/the MFA challenge is unknown, expired or already used/);
    // A signature flipped in flight: the key's answer no longer verifies.
    await logout();
    await page.route('**/mfa/login/finishsession', async (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}');
      const sig = Buffer.from(body.webauthnAssertionResponse.response.signature, 'base64url');
      sig[sig.length - 1] ^= 0xff;
      body.webauthnAssertionResponse.response.signature = sig.toString('base64url');
      await route.continue({ postData: JSON.stringify(body) });
    });
    await page.getByRole('button', { name: 'Passwordless: use a security key' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/assertion could not be verified/);
    await page.unroute('**/mfa/login/finishsession');
    await page.getByRole('button', { name: 'Passwordless: use a security key' }).click();
    await page.waitForURL(/\/resources$/);
  });

  it('adds an authenticator app from the devices page, after which the key may go', async () => {
    await page.goto(`${base}/web/account/mfa`);
    await page.getByRole('button', { name: 'Add authenticator app' }).click();
    const secret = (await page.getByTestId('totp-secret').innerText()).trim();
    await page.getByLabel('Device name').fill('phone');
    await page.getByLabel('Code from the app').fill(totpCode(secret, Date.now()));
    await page.getByRole('button', { name: 'Add authenticator app' }).click();
    await expect.poll(() => page.getByRole('row', { name: /phone/ }).getByRole('cell', { name: 'Authenticator app' }).isVisible()).toBe(true);
    await shot('mfa-devices');
    await page.getByRole('row', { name: /yubikey/ }).getByRole('button', { name: 'Remove yubikey' }).click();
    await expect.poll(() => page.getByRole('row', { name: /yubikey/ }).count()).toBe(0);
    // A second-factor-only key (not passwordless) for the clone test below.
    await page.getByLabel('Device name').fill('backup key');
    await page.getByLabel(/Passwordless/).uncheck();
    await page.getByRole('button', { name: 'Add security key' }).click();
    await expect.poll(() => page.getByRole('row', { name: /backup key/ }).getByRole('cell', { name: 'Security key', exact: true }).isVisible()).toBe(true);
  });

  it('refuses a cloned credential whose signature counter went backwards', async () => {
    // Sign in with the backup key a few times so its counter moves on, then copy it with an older counter.
    await logout();
    for (let i = 0; i < 2; i++) {
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Use a security key instead of a code' }).click();
      await page.waitForURL(/\/resources$/);
      await logout();
    }
    const original = ((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as VirtualCredential[]).find((k) => !k.isResidentCredential)!;
    expect(original.signCount).toBeGreaterThanOrEqual(2);
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    authenticatorId = await addAuthenticator();
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...original, signCount: 0 } });
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Use a security key instead of a code' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/signature counter 1, not above the \d+ already seen: the credential may have been cloned/);
    await shot('login-cloned-key-refused');
    expect(page.url()).toMatch(/\/web\/login/);
  });
});
