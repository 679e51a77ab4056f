// OpenID Connect single sign-on end to end against oidc-provider (a certified OpenID provider) on
// this machine, in headless Chromium: tctl creates the `kind: oidc` connector with its texts;
// `tsh login --auth=<connector> --browser=none` prints its link, Chromium signs in at the provider
// and consents, the proxy's callback sends it back to tsh, and tsh holds certificates whose logins
// come from a role template over the claims (`{{email.local(external.email)}}`); the web UI's login
// page offers the connector and lands logged in. Refusals: a user whose claims map to no role, an
// unreachable provider; audited, nothing created.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import type { User } from '../src/api/types/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { runTsh } from '../src/cli/tsh/run.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { startOIDCProvider, type OIDCStandin } from './oidc-standin/provider.js';

describe('OIDC SSO', () => {
  let c: TestCluster;
  let idp: OIDCStandin;
  let browser: Browser;
  let admin: AuthClient;
  let home: string;
  const started = new Date().toISOString();

  const tctl = async (...args: string[]) => {
    const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
    const code = await runTctl(['-c', c.configPath, ...args], cap.io);
    return { code, out: cap.out(), err: cap.err() };
  };

  /** `tsh login --auth=<connector>`, the printed link signed in at the provider in a fresh browser context. */
  const tshLogin = async (connector: string, login: string) => {
    const cap = captureIO({ env: { TELEPORT_HOME: home }, homeDir: home });
    const run = runTsh(['login', `--proxy=${c.webAddr}`, '--insecure', '--browser=none', `--auth=${connector}`], cap.io);
    let link: string | undefined;
    for (let i = 0; i < 400 && !link; i++) {
      link = /open it by clicking on the link:\n (http:\/\/127\.0\.0\.1:\d+\/\S+)\n/.exec(cap.err())?.[1];
      if (!link && cap.err().includes('ERROR')) break;
      if (!link) await new Promise((r) => setTimeout(r, 25));
    }
    let landed = '';
    if (link) {
      const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await ctx.newPage();
      await page.goto(link);
      await signIn(page, login, idp.issuer);
      await page.waitForURL(/\/web\/msg\/(info|error)\//);
      landed = page.url();
      await ctx.close();
    }
    const code = await run;
    return { code, out: cap.out(), err: cap.err(), landed };
  };

  beforeAll(async () => {
    [c, browser] = await Promise.all([
      startCluster({ clusterName: 'oidc.test' }),
      chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] }),
    ]);
    idp = await startOIDCProvider({
      clientId: 'teleport',
      clientSecret: 'oidc-client-secret',
      redirectURI: `https://${c.webAddr}/v1/webapi/oidc/callback`,
      groups: { alice: ['devs', 'everyone'], bob: ['everyone'] },
    });
    admin = await c.admin();
    home = await mkdtemp(join(tmpdir(), 'tsh-oidc-'));
    await admin.createResource({
      kind: 'role',
      version: 'v7',
      metadata: { name: 'oidc-dev' },
      spec: { allow: { logins: ['{{email.local(external.email)}}'], node_labels: { '*': '*' } } },
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await idp?.close();
    await c?.close();
    await rm(home, { recursive: true, force: true });
  });

  const connectorYAML = (name: string, issuer: string) =>
    [
      'kind: oidc',
      'version: v3',
      'metadata:',
      `  name: ${name}`,
      'spec:',
      '  display: Example OIDC',
      `  issuer_url: ${issuer}`,
      '  client_id: teleport',
      '  client_secret: oidc-client-secret',
      `  redirect_url: https://${c.webAddr}/v1/webapi/oidc/callback`,
      '  scope: [groups]',
      '  claims_to_roles:',
      '    - {claim: groups, value: devs, roles: [oidc-dev]}',
      '',
    ].join('\n');

  it('tctl creates the connector with Teleport\'s text and refuses a bad one by field', async () => {
    await writeFile(join(c.dir, 'oidc.yaml'), connectorYAML('example', idp.issuer));
    expect(await tctl('create', join(c.dir, 'oidc.yaml'))).toMatchObject({ code: 0, out: 'authentication connector "example" has been created\n' });
    expect((await tctl('get', 'oidc/example')).out).toMatch(/issuer_url: http:\/\/127\.0\.0\.1:\d+\n/);
    await writeFile(join(c.dir, 'bad.yaml'), connectorYAML('bad', 'http://idp.example.com'));
    const bad = await tctl('create', join(c.dir, 'bad.yaml'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/issuer_url: "http:\/\/idp\.example\.com" must be https:\/\//);
    await writeFile(join(c.dir, 'bad2.yaml'), connectorYAML('bad2', idp.issuer).replace('  claims_to_roles:\n    - {claim: groups, value: devs, roles: [oidc-dev]}\n', ''));
    expect((await tctl('create', join(c.dir, 'bad2.yaml'))).err).toMatch(/claims_to_roles/);
  });

  it('tsh login --auth=example through Chromium: roles from claims_to_roles, logins from the email claim', async () => {
    const r = await tshLogin('example', 'alice');
    expect(r.err).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    expect(r.landed).toBe(`https://${c.webAddr}/web/msg/info/login_success`);
    expect(r.out).toMatch(/Logged in as: +alice@example\.com\n {2}Cluster: +oidc\.test\n {2}Roles: +oidc-dev\n {2}Logins: +alice\n/);
    const user = (await admin.getResource('user', 'alice@example.com')) as User;
    expect(user.spec.created_by?.connector).toEqual({ type: 'oidc', id: 'example', identity: 'alice@example.com' });
    expect(user.spec.traits).toMatchObject({ email: ['alice@example.com'], groups: ['devs', 'everyone'] });
    const ok = (await admin.searchEvents({ from: started, types: ['user.login'], user: 'alice@example.com' })).events;
    expect(ok).toContainEqual(expect.objectContaining({ code: 'T1001I', method: 'oidc', connector: 'example' }));
  });

  it('the web UI offers the connector and lands logged in', async () => {
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await ctx.newPage();
    await page.goto(`https://${c.webAddr}/web/login`);
    await page.getByRole('link', { name: 'Sign in with Example OIDC' }).click();
    await signIn(page, 'alice', idp.issuer);
    await page.waitForURL(/\/web\/cluster\/oidc\.test\/resources/);
    await page.getByText('alice@example.com').first().waitFor();
    await ctx.close();
  });

  it('refuses a user whose claims map to no role, tells tsh why, creates nothing', async () => {
    const r = await tshLogin('example', 'bob');
    expect(r.code).toBe(1);
    expect(r.landed).toBe(`https://${c.webAddr}/web/msg/error/login_failed`);
    expect(r.err).toMatch(/login failed: user "bob@example\.com" is not mapped to any roles by the claims_to_roles of "example" connector/);
    await expect(admin.getResource('user', 'bob@example.com')).rejects.toMatchObject({ code: 'not_found' });
    let failed: unknown[] = [];
    for (let i = 0; i < 40 && failed.length === 0; i++) {
      failed = (await admin.searchEvents({ from: started, types: ['user.login'], user: 'bob@example.com' })).events.filter((e) => e.code === 'T1001W');
      if (failed.length === 0) await new Promise((res) => setTimeout(res, 50));
    }
    expect(failed).toContainEqual(expect.objectContaining({ method: 'oidc', connector: 'example', error: expect.stringMatching(/not mapped to any roles/) }));
  });

  it('refuses a login when the provider cannot be reached', async () => {
    const dead = await closedPort();
    await writeFile(join(c.dir, 'down.yaml'), connectorYAML('down', `http://127.0.0.1:${dead}`));
    expect((await tctl('create', join(c.dir, 'down.yaml'))).code).toBe(0);
    const r = await tshLogin('down', 'alice');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`the OIDC provider at http://127\\.0\\.0\\.1:${dead} cannot be reached`));
  });

  it('fails a login within the discovery deadline when the provider accepts connections and never answers; the cluster keeps serving meanwhile', async () => {
    // An IdP that hangs: every connection is held open in silence.
    const held: Socket[] = [];
    const hang = createServer((sock) => held.push(sock));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()));
    const port = (hang.address() as { port: number }).port;
    try {
      await writeFile(join(c.dir, 'slow.yaml'), connectorYAML('slow', `http://127.0.0.1:${port}`));
      expect((await tctl('create', join(c.dir, 'slow.yaml'))).code).toBe(0);
      const started = Date.now();
      const login = tshLogin('slow', 'alice');
      // While tsh waits on the provider, the cluster answers others as usual.
      await new Promise((r) => setTimeout(r, 1_000));
      const t0 = Date.now();
      const other = await tctl('get', 'oidc/example');
      expect(other.code, other.err).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5_000);
      const r = await login;
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`the OIDC provider at http://127\\.0\\.0\\.1:${port} cannot be reached \\(.*\\): the identity provider is down or unreachable`));
      expect(held.length).toBeGreaterThan(0);
      // The provider's deadline is 10 s; tsh is told well before its own patience runs out.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => hang.close(() => r()));
    }
  }, 40_000);
});

/** Signs in at oidc-provider's development pages (any password) and consents when asked, until the browser leaves the provider. */
async function signIn(page: Page, login: string, issuer: string): Promise<void> {
  await page.waitForURL((u) => u.toString().startsWith(issuer), { timeout: 10_000 });
  for (let i = 0; i < 300; i++) {
    if (!page.url().startsWith(issuer)) return;
    const form = page.locator('input[name="login"]');
    const consent = page.getByRole('button', { name: 'Continue' });
    if (await form.isVisible().catch(() => false)) {
      await form.fill(login);
      await page.locator('input[name="password"]').fill('any password');
      await page.locator('button[type="submit"]').click();
    } else if (await consent.isVisible().catch(() => false)) {
      await consent.click();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A port nothing listens on (an IdP that is down). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
