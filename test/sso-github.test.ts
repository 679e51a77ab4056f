// GitHub single sign-on end to end, as the 2019 Kubernetes tutorial does it: tctl creates the
// `kind: github` connector (teams_to_logins with logins and kubernetes_groups, teams_to_roles),
// `tsh login --auth=github --browser=none` prints its link, a "browser" (redirects followed as a
// browser does) goes through the GitHub stand-in and the proxy's callback back to tsh, and tsh
// holds certificates with the mapped roles and logins; the user is temporary and names its
// connector. Refusals: state mismatch, a replayed callback and code, a user in no mapped team, the
// GitHub API down; each audited as user.login T1001W, nothing created.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import type { User } from '../src/api/types/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { runTsh } from '../src/cli/tsh/run.js';
import { GithubStandin } from './github-standin/server.js';
import { BrowserHops } from './helpers/browser-hops.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

describe('GitHub SSO', () => {
  let c: TestCluster;
  let gh: GithubStandin;
  let admin: AuthClient;
  let home: string;
  const started = new Date().toISOString();

  const tctl = async (...args: string[]) => {
    const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
    const code = await runTctl(['-c', c.configPath, ...args], cap.io);
    return { code, out: cap.out(), err: cap.err() };
  };

  /** `tsh login` in-process; the browser follows the printed link once it shows. */
  const ssoLogin = async (extra: string[], browse: (link: string) => Promise<unknown>) => {
    const cap = captureIO({ env: { TELEPORT_HOME: home }, homeDir: home });
    const run = runTsh(['login', `--proxy=${c.webAddr}`, '--insecure', '--browser=none', ...extra], cap.io);
    let link: string | undefined;
    for (let i = 0; i < 200 && !link; i++) {
      link = /open it by clicking on the link:\n (http:\/\/127\.0\.0\.1:\d+\/\S+)\n/.exec(cap.err())?.[1];
      if (!link) await new Promise((r) => setTimeout(r, 25));
    }
    if (!link) throw new Error(`tsh printed no link: ${cap.err()}`);
    const browsed = await browse(link);
    const code = await run;
    return { code, out: cap.out(), err: cap.err(), browsed };
  };

  /** The T1001W events (of `user`), once at least one is there: audit writes land just after the answer. */
  const failures = async (user?: string) => {
    for (let i = 0; ; i++) {
      const found = (await admin.searchEvents({ from: started, types: ['user.login'], limit: 500 })).events.filter((e) => e.code === 'T1001W' && (user === undefined || e.user === user));
      if (found.length > 0 || i === 40) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    gh = new GithubStandin({ clientId: 'gh-client', clientSecret: 'gh-secret', callbackURL: 'https://127.0.0.1' });
    await gh.start();
    gh.addUser({ login: 'octocat', teams: ['octocats/admins', 'other/misc'] });
    gh.addUser({ login: 'devcat', teams: ['OctoCats/devs'] });
    gh.addUser({ login: 'stranger', teams: ['elsewhere/team'] });
    c = await startCluster({ clusterName: 'sso.test', authExtra: 'authentication:\n  type: github\n  connector_name: github' });
    admin = await c.admin();
    home = await mkdtemp(join(tmpdir(), 'tsh-sso-'));
  });
  afterAll(async () => {
    await gh?.close();
    await c?.close();
    await rm(home, { recursive: true, force: true });
  });

  const connectorYAML = (name: string, api: string) =>
    [
      'kind: github',
      'version: v3',
      'metadata:',
      `  name: ${name}`,
      'spec:',
      '  client_id: gh-client',
      '  client_secret: gh-secret',
      '  display: GitHub',
      `  redirect_url: https://${c.webAddr}/v1/webapi/github/callback`,
      `  endpoint_url: ${gh.url}`,
      `  api_endpoint_url: ${api}`,
      '  teams_to_logins:',
      '    - organization: octocats',
      '      team: admins',
      '      logins: [root]',
      '      kubernetes_groups: ["system:masters"]',
      '  teams_to_roles:',
      '    - {organization: octocats, team: devs, roles: [access]}',
      '',
    ].join('\n');

  it('tctl creates, reads and deletes the connector with Teleport\'s texts; ping names it', async () => {
    await writeFile(join(c.dir, 'github.yaml'), connectorYAML('github', `${gh.url}/api/v3`));
    expect(await tctl('create', join(c.dir, 'github.yaml'))).toMatchObject({ code: 0, out: 'authentication connector "github" has been created\n' });
    const got = await tctl('get', 'github/github');
    expect(got.out).toMatch(/kind: github\n/);
    expect(got.out).toMatch(/kubernetes_groups:\n\s+- system:masters/);
    expect(got.out).toMatch(/client_secret: ''\n/);
    expect((await tctl('get', 'github/github', '--with-secrets')).out).toMatch(/client_secret: gh-secret\n/);
    await writeFile(join(c.dir, 'temp.yaml'), connectorYAML('temp', `${gh.url}/api/v3`));
    expect((await tctl('create', join(c.dir, 'temp.yaml'))).out).toBe('authentication connector "temp" has been created\n');
    expect((await tctl('rm', 'github/temp')).out).toBe('github connector "temp" has been deleted\n');
    const bad = await tctl('create', join(c.dir, 'github.yaml'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/authentication connector "github" already exists/);
    const ping = await new BrowserHops().once(`https://${c.webAddr}/webapi/ping`);
    const auth = (JSON.parse(ping.text) as { auth: Record<string, unknown> }).auth;
    expect(auth).toMatchObject({ type: 'github', github: { name: 'github', display: 'GitHub' }, connectors: [{ kind: 'github', name: 'github', display: 'GitHub' }] });
  });

  let replay: string | undefined;

  it('tsh login --auth=github: teams_to_logins gives logins and Kubernetes groups; the user is temporary and names its connector', async () => {
    gh.signedIn = 'octocat';
    const browser = new BrowserHops();
    const r = await ssoLogin(['--auth=github', '--ttl=60'], (link) => browser.go(link));
    expect(r.err).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Logged in as: +octocat\n {2}Cluster: +sso\.test\n {2}Roles: +access\n {2}Logins: +root\n/);
    // The hops: tsh's link -> GitHub -> the proxy's callback -> tsh's callback (sealed response) -> the success page.
    const urls = browser.hops.map((h) => h.url);
    expect(urls[1]).toMatch(new RegExp(`^${gh.url}/login/oauth/authorize\\?client_id=gh-client&redirect_uri=`));
    expect(gh.authorizeRequests.at(-1)?.get('scope')).toBe('read:org');
    replay = urls.find((u) => u.includes('/v1/webapi/github/callback?code='));
    const back = urls.find((u) => /^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+\/callback\?/.test(u));
    expect(back).toMatch(/response=/);
    expect(back).not.toMatch(/secret_key/);
    expect(JSON.parse(new URL(back!).searchParams.get('response')!)).toEqual({ ciphertext: expect.any(String), nonce: expect.any(String) });
    expect(browser.hops.at(-1)?.url).toBe(`https://${c.webAddr}/web/msg/info/login_success`);
    const user = (await admin.getResource('user', 'octocat')) as User;
    expect(user.spec.created_by?.connector).toEqual({ type: 'github', id: 'github', identity: 'octocat' });
    expect(user.spec.traits).toMatchObject({ logins: ['root'], kubernetes_groups: ['system:masters'], github_teams: ['octocats/admins', 'other/misc'] });
    const expires = Date.parse(user.metadata.expires ?? '');
    expect(expires - Date.now()).toBeGreaterThan(58 * 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(60 * 60_000);
    const ok = (await admin.searchEvents({ from: started, types: ['user.login'], user: 'octocat' })).events;
    expect(ok).toContainEqual(expect.objectContaining({ code: 'T1001I', method: 'github', connector: 'github', success: true }));
    const status = await runTsh(['status'], captureIO({ env: { TELEPORT_HOME: home }, homeDir: home }).io);
    expect(status).toBe(0);
  });

  it('teams_to_roles: the GitHub login becomes the login of the access role (team names compared case-insensitively), without --auth on a github cluster', async () => {
    gh.signedIn = 'devcat';
    const r = await ssoLogin([], (link) => new BrowserHops().go(link));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Logged in as: +devcat\n {2}Cluster: +sso\.test\n {2}Roles: +access\n {2}Logins: +devcat\n/);
  });

  it('refuses a replayed callback (the request is used up) and a replayed code under a new state', async () => {
    expect(replay).toBeDefined();
    const again = await new BrowserHops().once(replay!);
    expect(again.status).toBe(403);
    expect(again.text).toMatch(/state mismatch/);
    const code = new URL(replay!).searchParams.get('code')!;
    gh.signedIn = 'octocat';
    const r = await ssoLogin(['--auth=github'], async (link) => {
      const b = new BrowserHops();
      const toGithub = await b.once(link);
      const state = new URL(toGithub.location!).searchParams.get('state')!;
      return b.go(`https://${c.webAddr}/v1/webapi/github/callback?code=${code}&state=${state}`);
    });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/login failed: GitHub refused the authorization code: The code passed is incorrect or expired\./);
  });

  it('a web login is bound to the browser that started it: finished in another browser it is refused', async () => {
    gh.signedIn = 'octocat';
    const start = `https://${c.webAddr}/v1/webapi/github/login/web?connector_id=github&redirect_url=${encodeURIComponent('/web/cluster/sso.test/resources')}`;
    const mine = new BrowserHops();
    const landed = await mine.go(start, { stop: (h) => (h.location ?? '').startsWith('/web/login') });
    expect(landed.location).toBe(`/web/login?sso_redirect=${encodeURIComponent('/web/cluster/sso.test/resources')}`);
    const toGithub = await new BrowserHops().once(start);
    const other = await new BrowserHops().go(toGithub.location!, { stop: (h) => (h.location ?? '').startsWith('/web/login') });
    expect(new URLSearchParams((other.location ?? '').split('?')[1]).get('sso_error')).toMatch(/^the login was started in another browser \(CSRF token mismatch\)/);
  });

  it('refuses a callback whose state names no login, and audits it', async () => {
    const r = await new BrowserHops().once(`https://${c.webAddr}/webapi/github/callback?code=abc&state=${'0'.repeat(48)}`);
    expect(r.status).toBe(403);
    expect(r.text).toMatch(/unknown, expired or was already used \(state mismatch\)/);
    expect((await failures()).some((e) => /state mismatch/.test(String(e.error)))).toBe(true);
  });

  it('refuses a user in no mapped team with Teleport\'s message; no user is created; audited with the reason', async () => {
    gh.signedIn = 'stranger';
    const r = await ssoLogin(['--auth=github'], (link) => new BrowserHops().go(link));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/user "stranger" does not belong to any teams configured in "github" connector; the configuration may have typos\./);
    await expect(admin.getResource('user', 'stranger')).rejects.toMatchObject({ code: 'not_found' });
    expect(await failures('stranger')).toContainEqual(expect.objectContaining({ method: 'github', connector: 'github', error: expect.stringMatching(/does not belong to any teams/) }));
  });

  it('tells tsh when the GitHub API is down, and refuses an unknown connector up front', async () => {
    const dead = await closedPort();
    await writeFile(join(c.dir, 'down.yaml'), connectorYAML('down', `http://127.0.0.1:${dead}/api/v3`));
    expect((await tctl('create', join(c.dir, 'down.yaml'))).code).toBe(0);
    gh.signedIn = 'octocat';
    const r = await ssoLogin(['--auth=down'], (link) => new BrowserHops().go(link));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`login failed: the GitHub API at http://127\\.0\\.0\\.1:${dead} cannot be reached \\(ECONNREFUSED\\): the identity provider is down`));
    const cap = captureIO({ env: { TELEPORT_HOME: home }, homeDir: home });
    expect(await runTsh(['login', `--proxy=${c.webAddr}`, '--insecure', '--browser=none', '--auth=nope'], cap.io)).toBe(1);
    expect(cap.err()).toMatch(/--auth=nope: the cluster has no such connector \(connectors: down \(github\), github \(github\); or --auth=local\)/);
  });
});

/** A port nothing listens on (an IdP that is down). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
