// Kubernetes clusters in the web UI against a real cluster (kube_server heartbeats sent by the
// administrator, as agents do): the unified resources endpoint lists the clusters a user's
// kubernetes_labels reach (deny wins) in Teleport's ui.KubeCluster shape, searchable and filtered
// by kind; in a headless Chromium the Resources page shows them beside the server and Connect
// gives Teleport's commands (tsh login, tsh kube login <cluster>, kubectl get pods).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { WebAgent, inviteUser, waitForNode } from './helpers/web-http.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '.screenshots');
const PASSWORD = 'a web kube test password';
const me = userInfo().username;

let c: TestCluster;
let admin: AuthClient;

function heartbeat(name: string, labels: Record<string, string>) {
  return admin.heartbeatAgentServer(
    'kube_server',
    { kind: 'kube_server', version: 'v3', metadata: { name }, spec: { host_id: `host-${name}`, hostname: `agent-${name}`, cluster: { kind: 'kube_cluster', version: 'v3', metadata: { name, labels }, spec: {} } } },
    10 * 60_000,
  );
}

beforeAll(async () => {
  c = await startCluster({ clusterName: 'uikube.test', nodename: 'uikube-node', ssh: 'labels: {env: demo}' });
  admin = await c.admin();
  await heartbeat('dev-cluster', { env: 'dev', team: 'a' });
  await heartbeat('prod-cluster', { env: 'prod' });
  await admin.createResource({
    kind: 'role',
    version: 'v7',
    metadata: { name: 'kube-not-prod' },
    spec: { allow: { logins: [me], node_labels: { '*': '*' }, kubernetes_labels: { '*': '*' }, kubernetes_groups: ['viewers'] }, deny: { kubernetes_labels: { env: 'prod' } } },
  });
  await waitForNode(c, 'uikube-node');
}, 60_000);
afterAll(async () => c?.close());

describe('Kubernetes clusters in GET /webapi/sites/:site/resources', () => {
  let kim: WebAgent;
  let root: WebAgent;
  const items = async (agent: WebAgent, q = '') => {
    const r = await agent.call('GET', `/v1/webapi/sites/uikube.test/resources${q}`);
    expect(r.status, r.text).toBe(200);
    return r.json.items as { kind: string; name?: string; hostname?: string }[];
  };
  const names = (list: { kind: string; name?: string; hostname?: string }[]) => list.map((r) => `${r.kind}:${r.name ?? r.hostname}`);

  beforeAll(async () => {
    const login = async (name: string, roles: string[]) => {
      const secret = await inviteUser(c, name, roles, [me], PASSWORD);
      const agent = new WebAgent(c);
      const r = await agent.login(name, PASSWORD, totpCode(secret, Date.now() + 30_000));
      if (r.status !== 200) throw new Error(`login of ${name} failed: ${r.text}`);
      return agent;
    };
    [kim, root] = await Promise.all([login('kim', ['kube-not-prod']), login('rooty', ['access'])]);
  }, 60_000);

  it("lists the clusters the user's kubernetes_labels reach beside the servers, in Teleport's item shape", async () => {
    expect(names(await items(kim))).toEqual(['kube_cluster:dev-cluster', 'node:uikube-node']);
    expect(await items(kim, '?kinds=kube_cluster')).toEqual([
      {
        kind: 'kube_cluster',
        name: 'dev-cluster',
        labels: [
          { name: 'env', value: 'dev' },
          { name: 'team', value: 'a' },
        ],
      },
    ]);
    expect(names(await items(root, '?kinds=kube_cluster'))).toEqual(['kube_cluster:dev-cluster', 'kube_cluster:prod-cluster']);
  });

  it('searches and queries clusters by name and labels', async () => {
    expect(names(await items(root, '?search=prod'))).toEqual(['kube_cluster:prod-cluster']);
    expect(names(await items(root, `?${new URLSearchParams({ query: 'labels.team == "a"' })}`))).toEqual(['kube_cluster:dev-cluster']);
    expect(names(await items(root, `?${new URLSearchParams({ kinds: 'kube_cluster,node', sort: 'name:desc' })}`))).toEqual(['node:uikube-node', 'kube_cluster:prod-cluster', 'kube_cluster:dev-cluster']);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('Kubernetes clusters on the Resources page', () => {
  let browser: Browser;
  let page: Page;
  let base = '';
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    base = `https://${c.webAddr}`;
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    const secret = await inviteUser(c, 'kara', ['kube-not-prod'], [me], PASSWORD);
    await page.goto(`${base}/web/login`);
    await page.getByLabel('Username').fill('kara');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Authenticator code').fill(totpCode(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/web\/cluster\/uikube\.test\/resources$/);
  }, 60_000);
  afterAll(async () => browser?.close());

  it('lists the cluster the roles reach beside the server, filtered by type', async () => {
    await expect.poll(async () => (await page.reload(), await page.getByText('2 resources', { exact: true }).isVisible()), { timeout: 20_000 }).toBe(true);
    const row = page.getByRole('row', { name: /dev-cluster/ });
    expect(await row.getByRole('cell', { name: 'Kubernetes', exact: true }).isVisible()).toBe(true);
    expect(await row.getByRole('button', { name: 'env: dev' }).isVisible()).toBe(true);
    expect(await page.getByRole('row', { name: /prod-cluster/ }).count()).toBe(0);
    await page.getByRole('combobox', { name: 'Type' }).selectOption('kube_cluster');
    await expect.poll(() => page.getByText('1 resource', { exact: true }).isVisible()).toBe(true);
    await shot('resources-kubernetes');
  });

  it('shows the tsh kube login command in the Connect dialog', async () => {
    await page.getByRole('button', { name: 'Connect to dev-cluster' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect to dev-cluster' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const host = new URL(base).host;
    expect(await dialog.getByLabel('Log in to Teleport', { exact: true }).innerText()).toBe(`tsh login --proxy=${host} --user=kara`);
    expect(await dialog.getByLabel('Select the Kubernetes cluster', { exact: true }).innerText()).toBe('tsh kube login dev-cluster');
    expect(await dialog.getByLabel('Connect to the Kubernetes cluster', { exact: true }).innerText()).toBe('kubectl get pods');
    await shot('kube-connect-dialog');
  });
});
