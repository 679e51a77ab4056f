// Active sessions against a real cluster: while `tsh ssh node 'sleep 3'` runs, `tsh sessions ls`
// and the proxy's `GET /webapi/sites/:site/sessions` list it for its owner and for an auditor
// (session_tracker list/read), not for another user; once the session ends it is gone. The web
// UI's Active sessions page shows it in Chromium (screenshot in test/.screenshots/).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionTracker } from '../src/api/types/index.js';
import type { WebActiveSession } from '../src/api/web-wire.js';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { PASSWORD, loginUser, waitForNodes, type TshUser } from './helpers/tsh-user.js';
import { WebAgent, inviteUser } from './helpers/web-http.js';

const me = userInfo().username;
const CHROMIUM = '/usr/bin/chromium';

async function listed(u: TshUser): Promise<SessionTracker[]> {
  const r = await u.tsh(['sessions', 'ls', '--format=json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as SessionTracker[];
}

describe('tsh sessions ls', () => {
  let c: TestCluster;
  let alice: TshUser;
  let bob: TshUser;
  let carol: TshUser;
  let web: WebAgent;
  let daveSecret = '';
  const webSessions = async (agent: WebAgent): Promise<WebActiveSession[]> => {
    const r = await agent.call('GET', '/v1/webapi/sites/sessions.test/sessions');
    expect(r.status).toBe(200);
    return (r.json as unknown as { sessions: WebActiveSession[] }).sessions;
  };

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'sessions.test', nodename: 'node-1', ssh: 'labels: {env: test}' });
    await waitForNodes(c, ['node-1']);
    alice = await loginUser(c, 'alice', ['access'], [me]);
    bob = await loginUser(c, 'bob', ['access'], [me]);
    carol = await loginUser(c, 'carol', ['auditor'], []);
    daveSecret = await inviteUser(c, 'dave', ['auditor'], [], PASSWORD);
    web = new WebAgent(c);
    expect((await web.login('dave', PASSWORD, totpCode(daveSecret, Date.now()))).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await alice?.cleanup();
    await bob?.cleanup();
    await carol?.cleanup();
    await c?.close();
  });

  it('lists a running session to its owner and an auditor, not to others, and drops it at the end', async () => {
    const ssh = alice.tsh(['ssh', `${me}@node-1`, 'sleep 3']);
    let mine: SessionTracker[] = [];
    for (let i = 0; i < 50 && mine.length === 0; i++) {
      mine = await listed(alice);
      if (mine.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(mine).toHaveLength(1);
    const t = mine[0];
    expect(t.kind).toBe('session_tracker');
    expect(t.metadata.name).toBe(t.spec.session_id);
    expect(t.spec).toMatchObject({ kind: 'ssh', state: 'running', hostname: 'node-1', login: me, cluster_name: 'sessions.test', command: 'sleep 3' });
    expect(t.spec.participants.map((p) => p.user)).toEqual(['alice']);
    expect((await listed(carol)).map((x) => x.spec.session_id)).toEqual([t.spec.session_id]);
    expect(await listed(bob)).toEqual([]);
    const onWeb = await webSessions(web);
    expect(onWeb).toEqual([
      expect.objectContaining({ id: t.spec.session_id, kind: 'ssh', login: me, server_hostname: 'node-1', server_id: t.spec.host_id, cluster_name: 'sessions.test', command: 'sleep 3' }),
    ]);
    expect(onWeb[0].parties.map((p) => p.user)).toEqual(['alice']);
    expect((await new WebAgent(c).call('GET', '/v1/webapi/sites/sessions.test/sessions')).status).toBe(401);

    const table = await alice.tsh(['sessions', 'ls']);
    expect(table.out.split('\n')[0]).toMatch(/^ID +Kind +Created +Hostname +Address +Login +Reason +Command *$/);
    expect(table.out).toContain(t.spec.session_id);

    expect((await ssh).code).toBe(0);
    let after = await listed(carol);
    for (let i = 0; i < 50 && after.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await listed(carol);
    }
    expect(after).toEqual([]);
    expect(await webSessions(web)).toEqual([]);
  }, 30_000);

  it.skipIf(!existsSync(CHROMIUM))('shows a running session on the Active sessions page, and no session after Refresh once it ended', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } })).newPage();
      await page.goto(`https://${c.webAddr}/web/login`);
      await page.getByLabel('Username').fill('dave');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('Authenticator code').fill(totpCode(daveSecret, Date.now() + 30_000));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Active sessions' }).click();
      await expect.poll(() => page.getByRole('heading', { name: 'Active sessions', exact: true }).isVisible()).toBe(true);
      const ssh = alice.tsh(['ssh', `${me}@node-1`, 'sleep 3']);
      await expect.poll(async () => (await listed(carol)).length, { timeout: 5_000 }).toBe(1);
      await page.getByRole('button', { name: 'Refresh' }).click();
      const row = page.getByRole('row').filter({ hasText: 'exec: sleep 3' });
      await expect.poll(() => row.innerText()).toMatch(new RegExp(`alice as ${me}[\\s\\S]*node-1[\\s\\S]*alice \\(peer\\)`));
      await mkdir(join(import.meta.dirname, '.screenshots'), { recursive: true });
      await page.screenshot({ path: join(import.meta.dirname, '.screenshots', 'active-sessions.png') });
      expect((await ssh).code).toBe(0);
      await expect.poll(async () => (await listed(carol)).length, { timeout: 5_000 }).toBe(0);
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect.poll(() => page.getByText('No active sessions').isVisible()).toBe(true);
    } finally {
      await browser.close();
    }
  }, 30_000);
});
