// The web UI in a real headless Chromium against a real cluster with an in-process node: invite
// sign-up with TOTP, servers with search and label filters, a terminal running commands (resize,
// a second tab, paste), a role with an invalid field shown inline, admin pages, phone width,
// logout, login, and a lost session sending the user back to the login page. Screenshots go to
// test/.screenshots/ (gitignored) for a person to look at.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { waitForNode } from './helpers/web-http.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '.screenshots');
const PASSWORD = 'a web ui password';
const me = userInfo().username;

/** The visible terminal's text. */
async function terminalText(page: Page): Promise<string> {
  return page.locator('[role="tabpanel"]:not([hidden]) .xterm-rows').innerText();
}

/** Waits until the visible terminal shows text matching `re`; returns the match. */
async function waitForTerminal(page: Page, re: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = (await terminalText(page)).match(re);
    if (m) return m;
    if (Date.now() > end) throw new Error(`terminal never showed ${re}; it shows:\n${await terminalText(page)}`);
    await page.waitForTimeout(50);
  }
}

/** Types a command into the focused terminal. */
async function run(page: Page, command: string): Promise<void> {
  await page.locator('[role="tabpanel"]:not([hidden]) .xterm-helper-textarea').focus();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

describe.skipIf(!existsSync(CHROMIUM))('web UI in Chromium', () => {
  let c: TestCluster;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let secret = '';
  let base = '';
  const shot = (name: string, p: Page = page) => p.screenshot({ path: join(SHOTS, `${name}.png`) });

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    [c, browser] = await Promise.all([
      startCluster({ clusterName: 'ui.test', nodename: 'ui-node', ssh: 'labels: {env: demo, team: platform}' }),
      chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      }),
    ]);
    base = `https://${c.webAddr}`;
    context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await context.newPage();
    await waitForNode(c, 'ui-node');
    const admin = await c.admin();
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'alice' }, spec: { roles: ['access', 'editor'], traits: { logins: [me] } } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  it('signs up from the invite link with a TOTP app and lands on the servers page', async () => {
    const invite = await (await c.admin()).createUserToken('alice', { type: 'invite' });
    expect(invite.url).toBe(`${base}/web/invite/${invite.token}`);
    await page.goto(invite.url);
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome' }).isVisible()).toBe(true);
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD + 'x');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByText('The passwords do not match.').isVisible()).toBe(true);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await expect.poll(() => page.getByRole('img', { name: /QR code/ }).isVisible()).toBe(true);
    await shot('invite-totp');
    await page.getByLabel('Code from the app').fill(totpCode(secret, Date.now()));
    await page.getByRole('button', { name: 'Create account and sign in' }).click();
    await page.waitForURL(/\/web\/cluster\/ui\.test\/resources$/);
    await expect.poll(() => page.getByText('ui-node', { exact: true }).isVisible()).toBe(true);
    // The link is used up: a clear page, not an error dump.
    await page.goto(invite.url);
    await expect.poll(() => page.getByRole('heading', { name: 'This link is no longer valid' }).isVisible()).toBe(true);
    await shot('invite-used');
    await page.goto(`${base}/web`);
    await page.waitForURL(/\/resources$/);
  });

  it('lists resources with their labels, searches them and filters them by label', async () => {
    const row = page.getByRole('row', { name: /ui-node/ });
    await expect.poll(() => row.getByRole('cell', { name: 'Server', exact: true }).isVisible()).toBe(true);
    expect(await row.getByRole('button', { name: /^(env: demo|team: platform)$/ }).allInnerTexts()).toEqual(['env: demo', 'team: platform']);
    expect(await page.getByRole('link', { name: 'Resources' }).getAttribute('aria-current')).toBe('page');
    await page.getByLabel('Search resources').fill('platform');
    await expect.poll(() => page.getByText('1 resource', { exact: true }).isVisible()).toBe(true);
    await page.getByLabel('Search resources').fill('nothing-matches');
    await expect.poll(() => page.getByText('No matching resources').isVisible()).toBe(true);
    await page.getByLabel('Search resources').fill('');
    await page.getByRole('button', { name: 'env: demo' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Remove filter env: demo' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText('1 resource', { exact: true }).isVisible()).toBe(true);
    await shot('resources');
    // The old Servers address still works: the same list, of servers only.
    await page.goto(`${base}/web/cluster/ui.test/nodes`);
    await expect.poll(() => page.getByText('1 server', { exact: true }).isVisible()).toBe(true);
    await page.getByLabel('Search servers').fill('nothing-matches');
    await expect.poll(() => page.getByText('No matching servers').isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Resources' }).click();
    await page.waitForURL(/\/resources$/);
    await expect.poll(() => page.getByText('ui-node', { exact: true }).isVisible()).toBe(true);
  });

  it('pages through many resources and sorts them', async () => {
    const admin = await c.admin();
    const names = Array.from({ length: 60 }, (_, i) => `zz-node-${String(i + 1).padStart(2, '0')}`);
    for (const n of names) {
      await admin.createResource({ kind: 'node', version: 'v2', metadata: { name: `uuid-${n}`, labels: { env: 'bulk' } }, spec: { hostname: n, addr: '10.1.0.1:3022' } }, { force: true });
    }
    await page.reload();
    await expect.poll(() => page.getByText('50 of 61 resources', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByRole('row').count()).toBe(51);
    await page.getByRole('button', { name: 'Show 11 more' }).click();
    await expect.poll(() => page.getByText('61 resources', { exact: true }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText('zz-node-60', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /^Show \d+ more$/ }).count()).toBe(0);
    await page.getByRole('combobox', { name: 'Sort', exact: true }).selectOption('name:desc');
    await expect.poll(() => page.getByRole('row').nth(1).innerText()).toMatch(/^zz-node-60/);
    await page.getByRole('combobox', { name: 'Type', exact: true }).selectOption('node');
    await expect.poll(() => page.getByText('50 of 61 resources', { exact: true }).isVisible()).toBe(true);
    await shot('resources-paged');
    await Promise.all(names.map((n) => admin.deleteResource('node', `uuid-${n}`)));
    await page.reload();
    await expect.poll(() => page.getByText('1 resource', { exact: true }).isVisible()).toBe(true);
  });

  it('shows a message, not a blank page, when a page fails to render', async () => {
    // A malformed answer (a node without its labels) makes the page throw while rendering.
    await page.route('**/v1/webapi/sites/ui.test/resources?**', (r) => r.fulfill({ json: { items: [{ kind: 'node', id: 'x', hostname: 'broken' }], startKey: '', totalCount: 1 } }));
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { name: 'This page stopped working' }).isVisible()).toBe(true);
    expect(await page.getByRole('alert').innerText()).toMatch(/Cannot read properties of undefined/);
    await shot('page-error');
    await page.unroute('**/v1/webapi/sites/ui.test/resources?**');
    // The frame stays: the menu leads on, and the page works again.
    await page.getByRole('link', { name: 'Active sessions' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Active sessions', exact: true }).isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Resources' }).click();
    await expect.poll(() => page.getByText('ui-node', { exact: true }).isVisible()).toBe(true);
  });

  it('opens a terminal tab, runs commands, follows resizes, opens a second tab and pastes', async () => {
    await page.getByRole('button', { name: 'Connect to ui-node' }).click();
    const [term] = await Promise.all([context.waitForEvent('page'), page.getByRole('menuitem', { name: me }).click()]);
    await term.waitForURL(new RegExp(`/console/node/[^/]+/${me}$`));
    await expect.poll(() => term.getByRole('tab', { name: `${me}@ui-node` }).isVisible(), { timeout: 15_000 }).toBe(true);
    await waitForTerminal(term, /[$#]\s*$/m);
    await run(term, 'echo ui-$((6*7))');
    await waitForTerminal(term, /ui-42/);
    await run(term, 'echo "before=$(stty size)"');
    const before = (await waitForTerminal(term, /^before=(\d+) (\d+)$/m)).slice(1).map(Number);
    await shot('terminal', term);

    await term.setViewportSize({ width: 900, height: 560 });
    await run(term, 'echo "after=$(stty size)"');
    const after = (await waitForTerminal(term, /^after=(\d+) (\d+)$/m)).slice(1).map(Number);
    expect(after[0]).toBeLessThan(before[0]);
    expect(after[1]).toBeLessThan(before[1]);

    await term.getByRole('button', { name: '+ New tab' }).click();
    await expect.poll(() => term.getByRole('tab').count()).toBe(2);
    await expect.poll(() => term.getByRole('tab', { name: `${me}@ui-node` }).nth(1).getAttribute('aria-selected')).toBe('true');
    await waitForTerminal(term, /[$#]\s*$/m);
    // Page functions run in the browser; as strings they need no DOM types here.
    await term.evaluate("navigator.clipboard.writeText('echo pasted-$((2+3))')");
    await term.locator('[role="tabpanel"]:not([hidden]) .xterm-helper-textarea').focus();
    await term.keyboard.press('Control+Shift+V');
    await term.keyboard.press('Enter');
    await waitForTerminal(term, /pasted-5/);
    await run(term, 'exit');
    await waitForTerminal(term, /session ended/);
    // The first tab's session is still there.
    await term.getByRole('tab').first().click();
    await waitForTerminal(term, /after=/);
    await run(term, 'exit');
    await waitForTerminal(term, /session ended/);
    // Closing the last tab after its session ended leaves a page that says so (it used to go blank).
    const errors: string[] = [];
    term.on('pageerror', (e) => errors.push(e.message));
    await term.getByRole('button', { name: `Close ${me}@ui-node` }).first().click();
    await expect.poll(() => term.getByRole('tab').count()).toBe(1);
    await term.getByRole('button', { name: `Close ${me}@ui-node` }).click();
    await expect.poll(() => term.getByText('All sessions are closed.').isVisible()).toBe(true);
    expect(await term.getByRole('link', { name: 'Back to resources' }).getAttribute('href')).toBe('/web/cluster/ui.test/resources');
    expect(errors).toEqual([]);
    await shot('console-closed', term);
    await term.close();
  });

  it('lists the recorded session and plays it back, with seek and speed', async () => {
    await page.getByRole('link', { name: 'Session recordings' }).click();
    await page.waitForURL(/\/web\/cluster\/ui\.test\/recordings$/);
    // The node uploads the recording when the session ends.
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return page.getByRole('link', { name: /^Play the session of alice on ui-node/ }).count();
      }, { timeout: 20_000 })
      .toBe(2);
    await shot('recordings');
    // Newest (last ended) first: the first tab's session, which ran the commands.
    await page.getByRole('link', { name: /^Play the session of alice on ui-node/ }).first().click();
    await page.waitForURL(/\/web\/cluster\/ui\.test\/session\/[0-9a-f-]{36}$/);
    const seek = page.getByRole('slider', { name: 'Position' });
    await seek.focus();
    await page.keyboard.press('End');
    await expect.poll(() => page.getByTestId('player-screen').innerText()).toMatch(/ui-42[\s\S]*after=\d+ \d+/);
    // The header says whose session it was, where, when and for how long.
    const header = await page.getByLabel('Recording').innerText();
    expect(header).toMatch(new RegExp(`^alice as ${me} on ui-node`));
    expect(header).toMatch(/Started\s+\S.*\d{4}.*\d+:\d{2}/i);
    expect(header).toMatch(/Duration\s+\d+:\d{2}/i);
    expect(header).toMatch(/[0-9a-f-]{36}/);
    await shot('player');
    await page.keyboard.press('Home');
    await expect.poll(() => page.getByTestId('player-screen').innerText()).not.toMatch(/ui-42/);
    await page.getByLabel('Speed').selectOption('8');
    await page.getByRole('button', { name: 'Play' }).click();
    await expect.poll(() => page.getByTestId('player-screen').innerText(), { timeout: 15_000 }).toMatch(/ui-42/);
    await page.goBack();
    await page.waitForURL(/\/recordings$/);
  });

  it('shows audit events with their JSON', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect.poll(() => page.getByText(`alice started a session on ui-node as ${me}`).first().isVisible()).toBe(true);
    await page.getByLabel('Search events').fill('pasted');
    await expect.poll(() => page.getByText(/started a session/).count()).toBe(0);
    await page.getByLabel('Search events').fill('');
    await page.getByLabel('Type').selectOption('session.start');
    await expect.poll(() => page.getByText(/ended a session/).count()).toBe(0);
    await page.getByRole('button', { name: /^Details of session\.start/ }).first().click();
    await expect.poll(() => page.getByLabel('Event JSON').innerText()).toMatch(/"event": "session\.start"/);
    expect(await page.getByLabel('Event JSON').innerText()).toMatch(/"user": "alice"/);
    await shot('audit-details');
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await page.getByLabel('Type').selectOption('');
    await shot('audit');
  });

  it('shows an invalid role field inline, then saves the fixed role', async () => {
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.getByRole('button', { name: 'Create role' }).click();
    const editor = page.getByLabel('Role YAML');
    await editor.fill('kind: role\nversion: v7\nmetadata:\n  name: web-ops\nspec:\n  allow:\n    logins: 5\n');
    await page.getByRole('button', { name: 'Create role' }).last().click();
    const error = page.getByRole('alert');
    await expect.poll(() => error.innerText()).toMatch(/Line 7[\s\S]*spec\.allow\.logins[\s\S]*expected array/);
    expect(await page.locator('.gutter-error').innerText()).toBe('7');
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    await shot('role-error');
    await editor.fill('kind: role\nversion: v7\nmetadata:\n  name: web-ops\nspec:\n  allow:\n    logins: [ops]\n');
    await page.getByRole('button', { name: 'Create role' }).last().click();
    await expect.poll(() => page.getByRole('cell', { name: 'web-ops', exact: true }).isVisible()).toBe(true);
  });

  it('creates a user with an invite link and an install command for a new server', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Logins').fill('bob, deploy');
    await page.getByRole('button', { name: 'Create user' }).last().click();
    await expect.poll(() => page.getByLabel('link', { exact: true }).innerText()).toMatch(new RegExp(`^${base}/web/invite/[0-9a-f]{32}$`));
    await page.getByRole('dialog', { name: 'Invitation link' }).getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'bob, deploy' }).isVisible()).toBe(true);
    await shot('users');

    await page.getByRole('link', { name: 'Add a server' }).click();
    await page.getByLabel('Label 1 name').fill('env');
    await page.getByLabel('Label 1 value').fill('staging');
    await page.getByRole('button', { name: 'Generate command' }).click();
    const cmd = await page.getByLabel('install command', { exact: true }).innerText();
    expect(cmd).toMatch(new RegExp(`^sudo bash -c "\\$\\(curl -fsSL 'https://${c.webAddr}/scripts/[0-9a-f]{32}/install-node\\.sh\\?labels=env%3Dstaging'\\)"$`));
    await shot('add-server');
    const token = /scripts\/([0-9a-f]{32})\//.exec(cmd)![1];
    await page.getByRole('link', { name: 'Join tokens' }).click();
    await expect.poll(() => page.getByRole('cell', { name: token, exact: true }).isVisible()).toBe(true);
    await page.getByRole('button', { name: `Delete token ${token}` }).click();
    await expect.poll(() => page.getByRole('cell', { name: token, exact: true }).count()).toBe(0);
  });

  it('reads well on a phone-sized screen', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${base}/web/cluster/ui.test/nodes`);
    await expect.poll(() => phone.getByText('ui-node', { exact: true }).isVisible()).toBe(true);
    expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot('servers-phone', phone);
    await phone.getByRole('button', { name: 'Menu' }).click();
    await expect.poll(() => phone.getByRole('link', { name: 'Users' }).isVisible()).toBe(true);
    await phone.close();
  });

  it('logs out, refuses a wrong password, logs in, and returns to login when the session is lost', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/web\/login$/);
    await page.goto(`${base}/web/users`);
    await page.waitForURL(/\/web\/login\?redirect_uri=%2Fweb%2Fusers$/);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('not the password');
    await page.getByLabel('Authenticator code').fill('123456');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/Invalid username, password or second factor[\s\S]*5 failed attempts/);
    await shot('login-failed');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Authenticator code').fill(totpCode(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/web\/users$/);
    // Another tab ends the session: the next call finds it gone.
    const other = await context.newPage();
    await other.goto(`${base}/web/roles`);
    await other.getByRole('button', { name: 'Log out' }).click();
    await other.close();
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.waitForURL(/\/web\/login\?/);
    await expect.poll(() => page.getByText('Your session has ended').isVisible()).toBe(true);
  });
});
