// tsh and MFA devices against a real cluster (second_factor: on, webauthn.rp_id: localhost), with
// the WebAuthn ceremonies run by a real headless Chromium's virtual authenticator on the proxy page
// tsh prints (--browser=none): tsh mfa add (TOTP with its printed secret and a code; WEBAUTHN through
// the browser), tsh mfa ls, tsh login with a security key, tsh mfa rm, the last device refused, and
// tsh ssh answering a per-session MFA challenge (a role's require_session_mfa) with the key.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../src/api/client/index.js';
import { totpCode } from '../src/auth/totp.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTsh } from '../src/cli/tsh/run.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'a tsh webauthn password';

/** One tsh run; `answer(stdout, stderr)` may feed stdin lines as output appears. */
async function tsh(home: string, argv: string[], answer: (out: string, err: string, stdin: PassThrough) => void = () => undefined, stdinText = '') {
  const c = captureIO({ env: { TELEPORT_HOME: home }, homeDir: home });
  const stdin = new PassThrough();
  if (stdinText) stdin.write(stdinText);
  (c.io as { stdin: NodeJS.ReadableStream }).stdin = stdin;
  for (const s of [c.io.stdout, c.io.stderr]) {
    const write = s.write.bind(s);
    s.write = (x: string) => {
      const r = write(x);
      answer(c.out(), c.err(), stdin);
      return r;
    };
  }
  const code = await runTsh(argv, c.io, {});
  stdin.end();
  return { code, out: c.out(), err: c.err() };
}

describe.skipIf(!existsSync(CHROMIUM))('tsh mfa and tsh login with a security key (browser ceremony)', () => {
  let c: TestCluster;
  let browser: Browser;
  let page: Page;
  let home = '';
  let proxy = '';
  let secret = '';

  /** Answers the ceremony link tsh prints, once, in Chromium. */
  const browserAnswers = () => {
    let done = false;
    return (_out: string, err: string) => {
      const link = /(https:\/\/\S+\/web\/mfa\/browser\/[0-9a-f]{32})/.exec(err)?.[1];
      if (!link || done) return;
      done = true;
      void (async () => {
        await page.goto(link);
        await page.getByRole('button', { name: /Register security key|Use security key/ }).click();
        await page.getByText('You can close this tab').waitFor();
      })();
    };
  };

  beforeAll(async () => {
    [c, browser] = await Promise.all([
      startCluster({ clusterName: 'tsh-mfa.test', nodename: 'mfa-node', ssh: '', authExtra: 'authentication:\n  type: local\n  second_factor: on\n  webauthn:\n    rp_id: localhost' }),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] }),
    ]);
    proxy = `localhost:${c.webAddr.split(':')[1]}`;
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    const admin = await c.admin();
    // Per-session MFA from a role option (the cluster itself does not ask for it).
    await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'session-mfa' }, spec: { options: { require_session_mfa: true }, allow: {} } });
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'bob' }, spec: { roles: ['access', 'session-mfa'], traits: { logins: [userInfo().username] } } });
    const invite = await admin.createUserToken('bob', { type: 'invite' });
    const anon = new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, caPems: (await admin.ping()).host_ca_certs });
    secret = (await anon.totpRegistration(invite.token)).secret;
    await anon.completeUserToken({ token: invite.token, password: PASSWORD, otp_code: totpCode(secret, Date.now()), device_name: 'otp' });
    home = await mkdtemp(join(tmpdir(), 'tsh-mfa-'));
    const r = await tsh(home, ['login', `--proxy=${proxy}`, '--user=bob', '--insecure'], () => undefined, `${PASSWORD}\n${totpCode(secret, Date.now() + 30_000)}\n`);
    expect(r.code, r.err).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('adds a TOTP device: prints the secret and the otpauth URL, then takes a code', async () => {
    let fed = false;
    const r = await tsh(home, ['mfa', 'add', '--type=TOTP', '--name=phone'], (out, _err, stdin) => {
      const s = /Secret: ([A-Z2-7]+)/.exec(out)?.[1];
      if (s && !fed && /enter an OTP code/.test(_err)) {
        fed = true;
        stdin.write(`${totpCode(s, Date.now())}\n`);
      }
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Open your TOTP app and create a new manual entry[\s\S]*Algorithm: SHA1[\s\S]*otpauth:\/\/totp\//);
    expect(r.out).toContain('MFA device "phone" added.');
  });

  it('adds a WebAuthn device through the browser link, and lists every device', async () => {
    const r = await tsh(home, ['mfa', 'add', '--type=WEBAUTHN', '--name=key1', '--browser=none'], browserAnswers());
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/open this link in a browser/);
    expect(r.out).toContain('MFA device "key1" added.');
    const ls = await tsh(home, ['mfa', 'ls']);
    expect(ls.code, ls.err).toBe(0);
    expect(ls.out).toMatch(/^Name\s+Type\s+Added at\s+Last used\s*\n[- ]+\n/);
    expect(ls.out).toMatch(/otp\s+TOTP\s+\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} UTC/);
    expect(ls.out).toMatch(/phone\s+TOTP/);
    expect(ls.out).toMatch(/key1\s+WebAuthn/);
  });

  it('logs in with the password and the security key (an empty OTP code picks the key)', async () => {
    const r = await tsh(home, ['login', `--proxy=${proxy}`, '--user=bob', '--insecure', '--browser=none'], browserAnswers(), `${PASSWORD}\n\n`);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Logged in as:\s+bob/);
    // A wrong password never reaches the key.
    const bad = await tsh(home, ['login', `--proxy=${proxy}`, '--user=bob', '--insecure', '--browser=none'], () => undefined, 'wrong password!!\n\n');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/invalid username, password or second factor/);
    expect(bad.err).not.toMatch(/open this link/);
  });

  it('removes devices, but never the last one while MFA is required', async () => {
    for (const name of ['phone', 'otp']) {
      const r = await tsh(home, ['mfa', 'rm', name]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe(`MFA device "${name}" removed.\n`);
    }
    const last = await tsh(home, ['mfa', 'rm', 'key1']);
    expect(last.code).not.toBe(0);
    expect(last.err).toMatch(/cannot delete the last MFA device for this user while this cluster requires MFA \(second_factor: on\)/);
    const missing = await tsh(home, ['mfa', 'rm', 'nope']);
    expect(missing.err).toMatch(/MFA device "nope" does not exist/);
    expect((await tsh(home, ['mfa', 'ls'])).out).toMatch(/key1\s+WebAuthn/);
  });

  it('runs tsh ssh after the security key answers the per-session MFA challenge (a role option asks for it)', async () => {
    const r = await tsh(home, ['ssh', `${userInfo().username}@mfa-node`, 'echo', 'via-key'], browserAnswers());
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/verify with your security key/);
    expect(r.out).toBe('via-key\n');
  });
});
