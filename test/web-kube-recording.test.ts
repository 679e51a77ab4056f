// A recorded `kubectl exec -it` session replayed in the web UI (the issue's "exec -it recorded and
// replayed"): the real kubectl through the proxy to a kubernetes_service serving the API server
// stand-in, then in a headless Chromium the user who ran it finds the session on the Session
// recordings page (the Kubernetes cluster and pod named), plays it, and selects and copies its text.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import type { AgentServer } from '../src/api/types/index.js';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { spawnInPty } from './helpers/identity-user.js';
import { kubeUser } from './helpers/kube-user.js';
import { inviteUser } from './helpers/web-http.js';
import { startKubeAPIServer, type KubeAPIServer } from './kube-apiserver/index.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '.screenshots');
const PASSWORD = 'a kube recording test password';

let c: TestCluster;
let api: KubeAPIServer;
let admin: AuthClient;
let dir: string;
let secret: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'web-kube-rec-'));
  api = await startKubeAPIServer();
  api.addPod({ namespace: 'default', name: 'web-1', command: ['sh', '-c', 'sleep 3600'] });
  const sa = await api.clientCert('teleport-kube-agent', ['system:masters']);
  const kubeconfig = await api.writeKubeconfig(join(dir, 'agent.kubeconfig'), { certPem: sa.certPem, keyPem: sa.keyPem }, { name: 'dev-cluster' });
  c = await startCluster({
    clusterName: 'kuberec.test',
    proxyExtra: 'kube_listen_addr: 127.0.0.1:0',
    // Next to auth and the proxy, with the sample config's listen_addr: reached in memory by this proxy, heartbeated with its address for others.
    extraSections: ['kubernetes_service:', '  enabled: yes', '  listen_addr: 127.0.0.1:0', `  kubeconfig_file: ${kubeconfig}`, '  labels: {env: dev}'].join('\n'),
  });
  admin = await c.admin();
  const hb = (await admin.listAgentServers<AgentServer>('kube_server')).find((x) => x.metadata.name === 'dev-cluster');
  if (!/^127\.0\.0\.1:\d+$/.test(hb?.spec.addr ?? '')) throw new Error(`kube_server heartbeat without its listener address: ${JSON.stringify(hb?.spec)}`);
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'kube-dev' }, spec: { allow: { kubernetes_labels: { env: 'dev' }, kubernetes_groups: ['system:masters'] }, deny: {} } });
  // `access` lets a user read the sessions they took part in (Teleport's preset).
  secret = await inviteUser(c, 'kate', ['kube-dev', 'access'], [], PASSWORD);
  const kate = await kubeUser(admin, { dir, file: 'kate', username: 'kate', server: `https://127.0.0.1:${c.process.addresses.proxyKube!.port}` });
  const run = spawnInPty('kubectl', [`--kubeconfig=${kate.kubeconfig}`, `--cache-dir=${join(dir, 'kube-cache')}`, 'exec', '-it', 'web-1', '--', 'sh'], {
    cols: 100,
    rows: 30,
    env: { PATH: process.env.PATH!, HOME: dir, TERM: 'xterm' },
  });
  await run.until(/[$#] $/m, 20_000);
  run.p.write('echo replay-$((30+12))\r');
  await run.until(/replay-42/);
  run.p.write('exit\r');
  if ((await run.exited) !== 0) throw new Error('kubectl exec -it failed');
}, 90_000);

afterAll(async () => {
  await c?.close();
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!existsSync(CHROMIUM))('a kubectl exec -it recording in the web UI', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `https://${c.webAddr}` });
    page = await context.newPage();
    await page.goto(`https://${c.webAddr}/web/login`);
    await page.getByLabel('Username').fill('kate');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Authenticator code').fill(totpCode(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/web\/cluster\/kuberec\.test\/resources$/);
  }, 60_000);
  afterAll(async () => browser?.close());

  it('lists the session with its Kubernetes cluster and pod, plays it, and its text can be selected and copied', async () => {
    await page.getByRole('link', { name: 'Session recordings' }).click();
    await page.waitForURL(/\/recordings$/);
    const play = page.getByRole('link', { name: /^Play the session of kate on dev-cluster/ });
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return play.count();
      }, { timeout: 20_000 })
      .toBe(1);
    const row = page.getByRole('row', { name: /kate/ });
    expect(await row.innerText()).toMatch(/Kubernetes[\s\S]*default\/web-1/);
    await page.screenshot({ path: join(SHOTS, 'kube-recordings.png') });
    await play.click();
    await page.waitForURL(/\/web\/cluster\/kuberec\.test\/session\/[0-9a-f-]{36}$/);
    await page.getByRole('button', { name: 'Play' }).click();
    const screen = page.getByTestId('player-screen');
    await expect.poll(() => screen.innerText()).toMatch(/replay-42/);
    expect(await page.getByLabel('Recording').innerText()).toMatch(/^kate on dev-cluster: pod default\/web-1/);
    await page.screenshot({ path: join(SHOTS, 'kube-player.png') });
    // Select the output line with the mouse and copy it.
    const line = screen.locator('.xterm-rows > div').filter({ hasText: /^replay-42/ }).first();
    const box = (await line.boundingBox())!;
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + 90, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.press('Control+c');
    await expect.poll(() => page.evaluate<string>('navigator.clipboard.readText()')).toMatch(/^replay-4/);
  });
});
