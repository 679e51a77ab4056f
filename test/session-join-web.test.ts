// Joining a live session from the web UI in Chromium: alice runs `tsh ssh` in a pseudo-terminal;
// olivia, whose role lets her observe sessions of `access` users, opens Active sessions, sees only
// "Join as Observer", clicks it and reads in her terminal the screen so far and what alice types
// after; her typing does not reach the shell; the tab shows the end of the session. Screenshot in
// test/.screenshots/session-join.png. The proxy refuses a malformed sid or mode in the join params.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import pty from 'node-pty';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionTracker } from '../src/api/types/index.js';
import { totpCode } from '../src/auth/totp.js';
import { parseTerminalRequest } from '../src/proxy/web/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { PASSWORD, loginUser, waitForNodes, type TshUser } from './helpers/tsh-user.js';
import { inviteUser } from './helpers/web-http.js';

const me = userInfo().username;
const TSH = resolve('bin/tsh');
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '.screenshots');

describe('web terminal join params', () => {
  const sid = '0b0e4c7e-2a55-4d1c-9b7e-6a1f2d3c4b5a';
  it('takes a sid and a mode, and logs in as the join principal', () => {
    expect(parseTerminalRequest(JSON.stringify({ sid, mode: 'observer', term: { w: 80, h: 24 } }))).toEqual({
      server_id: '',
      login: '-teleport-internal-join',
      term: { w: 80, h: 24 },
      sid,
      mode: 'observer',
    });
    expect(parseTerminalRequest(JSON.stringify({ server_id: 'n', login: 'root', sid: sid.toUpperCase() })).mode).toBe('observer');
  });
  it.each([
    [{ sid: 'nope', mode: 'observer' }, "params.sid: 'nope' is not a valid session ID (must be GUID)"],
    [{ sid, mode: 'spy' }, 'params.mode: invalid participant mode "spy": expected observer, moderator or peer'],
  ])('refuses %j', (params, message) => {
    expect(() => parseTerminalRequest(JSON.stringify(params))).toThrow(message);
  });
});

describe.skipIf(!existsSync(CHROMIUM) || !existsSync(TSH))('joining a session in the web UI', () => {
  let c: TestCluster;
  let alice: TshUser;
  let secret = '';

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'webjoin.test', nodename: 'node-1', ssh: 'labels: {env: test}' });
    await waitForNodes(c, ['node-1']);
    const admin = await c.admin();
    await admin.createResource({
      kind: 'role',
      version: 'v7',
      metadata: { name: 'session-observer' },
      spec: { allow: { join_sessions: [{ name: 'Observe access sessions', roles: ['access'], kinds: ['ssh'], modes: ['observer'] }] } },
    });
    alice = await loginUser(c, 'alice', ['access'], [me]);
    secret = await inviteUser(c, 'olivia', ['session-observer'], [], PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await alice?.cleanup();
    await c?.close();
  });

  it('clicks Join as Observer and reads the session in the observer terminal', async () => {
    const owner = pty.spawn(process.execPath, [TSH, 'ssh', `${me}@node-1`], {
      name: 'xterm-256color',
      cols: 100,
      rows: 30,
      env: { ...process.env, TELEPORT_HOME: alice.home, TERM: 'xterm-256color' } as Record<string, string>,
    });
    let ownerOut = '';
    owner.onData((d) => (ownerOut += d));
    const ownerExit = new Promise<number>((r) => owner.onExit((e) => r(e.exitCode)));
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      owner.write('echo "before-$((20+1))"\r');
      await expect.poll(() => ownerOut, { timeout: 60_000 }).toMatch(/before-21/);
      await expect.poll(async () => ((JSON.parse((await alice.tsh(['sessions', 'ls', '--format=json'])).out) as SessionTracker[]).length), { timeout: 60_000 }).toBe(1);

      const page = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } })).newPage();
      await page.goto(`https://${c.webAddr}/web/login`);
      await page.getByLabel('Username').fill('olivia');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('Authenticator code').fill(totpCode(secret, Date.now() + 30_000));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Active sessions' }).click();
      const row = page.getByRole('row').filter({ hasText: `alice as ${me}` });
      await expect.poll(() => row.count(), { timeout: 60_000 }).toBe(1);
      expect(await row.getByRole('link', { name: /as peer$/ }).count()).toBe(0);
      await mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'session-join-list.png') });
      await row.getByRole('link', { name: `Join alice session on node-1 as observer` }).click();

      const screen = page.locator('[role="tabpanel"]:not([hidden]) .xterm-rows');
      await expect.poll(() => screen.innerText(), { timeout: 60_000 }).toMatch(/Joining session with participant mode: observer/);
      expect(await screen.innerText()).toMatch(/before-21/);
      expect(await page.getByRole('tab').innerText()).toContain(`${me}@node-1 (observer)`);

      owner.write('echo "web-$((6*7))"\r');
      await expect.poll(() => screen.innerText(), { timeout: 60_000 }).toMatch(/web-42/);

      await page.locator('[role="tabpanel"]:not([hidden]) .xterm-helper-textarea').focus();
      await page.keyboard.type('echo observer-typed\n');
      owner.write('echo "mark-$((7*7))"\r');
      await expect.poll(() => ownerOut, { timeout: 60_000 }).toMatch(/mark-49/);
      await expect.poll(() => screen.innerText(), { timeout: 60_000 }).toMatch(/mark-49/);
      expect(ownerOut).not.toMatch(/observer-typed/);

      await page.screenshot({ path: join(SHOTS, 'session-join.png') });

      owner.write('exit\r');
      expect(await ownerExit).toBe(0);
      await expect.poll(() => screen.innerText(), { timeout: 60_000 }).toMatch(/session ended/);
    } finally {
      owner.kill();
      await browser.close();
    }
  }, 240_000);
});
