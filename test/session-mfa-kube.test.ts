/**
 * Per-session MFA for Kubernetes (require_session_mfa: yes in teleport.yaml's authentication), with
 * the real kubectl against the API server stand-in: a certificate without the MFA check is refused
 * by the kubernetes_service in Teleport's words; through the kubeconfig tsh writes, the exec plugin
 * (the built bin/tsh, `tsh kube credentials`) asks for the check on each kubectl run: a TOTP code
 * typed on kubectl's terminal, or, without a terminal, a security key through the browser link it
 * prints (headless Chromium with a virtual authenticator), and `kubectl exec` runs.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient, MFAClient } from '../src/api/client/index.js';
import { totpCode } from '../src/auth/totp.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTsh } from '../src/cli/tsh/run.js';
import { ProxyClient, loadClientIdentity } from '../src/client/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { kubeUser } from './helpers/kube-user.js';
import { PASSWORD } from './helpers/tsh-user.js';
import { startKubeAPIServer, type KubeAPIServer } from './kube-apiserver/index.js';
import { kubectlBackground, kubectlPty } from './kube-apiserver/kubectl.js';

const CHROMIUM = '/usr/bin/chromium';
const TSH = resolve('bin/tsh');

describe.skipIf(!existsSync(CHROMIUM))('per-session MFA for kubectl', () => {
  let c: TestCluster;
  let api: KubeAPIServer;
  let browser: Browser;
  let page: Page;
  let dir = '';
  let home = '';
  let kubeconfig = '';
  /** Fresh TOTP secrets of kim's, one per code used (a code may be used once). */
  const spare: string[] = [];

  /** One in-process tsh run as kim; `answer(stdout, stderr)` sees output as it appears. */
  async function tsh(argv: string[], answer: (out: string, err: string) => void = () => undefined, stdinText = '') {
    const cap = captureIO({ env: { TELEPORT_HOME: home, KUBECONFIG: kubeconfig }, homeDir: home });
    const stdin = new PassThrough();
    if (stdinText) stdin.write(stdinText);
    (cap.io as { stdin: NodeJS.ReadableStream }).stdin = stdin;
    for (const s of [cap.io.stdout, cap.io.stderr]) {
      const write = s.write.bind(s);
      s.write = (x: string) => {
        const r = write(x);
        answer(cap.out(), cap.err());
        return r;
      };
    }
    const code = await runTsh(argv, cap.io, { executablePath: TSH });
    stdin.end();
    return { code, out: cap.out(), err: cap.err() };
  }

  /** Answers a ceremony link in Chromium with the virtual authenticator. */
  async function answerInBrowser(link: string): Promise<void> {
    await page.goto(link);
    await page.getByRole('button', { name: /Register security key|Use security key/ }).click();
    await page.getByText('You can close this tab').waitFor();
  }

  const kubectlEnv = () => ({ kubeconfig, home, env: { TELEPORT_HOME: home } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-mfa-'));
    api = await startKubeAPIServer();
    api.addPod({ namespace: 'default', name: 'web-1', command: ['sh', '-c', 'sleep 3600'] });
    const sa = await api.clientCert('teleport-kube-agent', ['system:masters']);
    const agentKubeconfig = await api.writeKubeconfig(join(dir, 'agent.kubeconfig'), { certPem: sa.certPem, keyPem: sa.keyPem }, { name: 'dev-cluster' });
    [c, browser] = await Promise.all([
      startCluster({
        clusterName: 'kmfa.test',
        proxyExtra: 'kube_listen_addr: 127.0.0.1:0',
        authExtra: 'authentication:\n  type: local\n  second_factor: on\n  webauthn:\n    rp_id: localhost\n  require_session_mfa: yes',
        extraSections: ['kubernetes_service:', '  enabled: yes', `  kubeconfig_file: ${agentKubeconfig}`, '  labels: {env: dev}'].join('\n'),
      }),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] }),
    ]);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    const admin = await c.admin();
    await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'kube-all' }, spec: { allow: { kubernetes_labels: { '*': '*' }, kubernetes_groups: ['system:masters'] } } });
    for (let i = 0; (await admin.listAgentServers('kube_server')).length === 0; i++) {
      if (i > 200) throw new Error('the kubernetes_service did not heartbeat dev-cluster');
      await new Promise((r) => setTimeout(r, 100));
    }
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'kim' }, spec: { roles: ['kube-all'] } });
    const invite = await admin.createUserToken('kim', { type: 'invite' });
    const anon = new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, caPems: (await admin.ping()).host_ca_certs });
    const secret = (await anon.totpRegistration(invite.token)).secret;
    await anon.completeUserToken({ token: invite.token, password: PASSWORD, otp_code: totpCode(secret, Date.now()), device_name: 'otp' });
    home = await mkdtemp(join(dir, 'kim-'));
    kubeconfig = join(home, 'kubeconfig');
    const proxy = `localhost:${c.webAddr.split(':')[1]}`;
    const r = await tsh(['login', `--proxy=${proxy}`, '--user=kim', '--insecure'], () => undefined, `${PASSWORD}\n${totpCode(secret, Date.now() + 30_000)}\n`);
    expect(r.code, r.err).toBe(0);
    const identity = await loadClientIdentity({ home, insecure: true, cwd: home, now: Date.now() });
    const pc = await ProxyClient.connect({ identity });
    try {
      const mfa = new MFAClient(pc.authClient());
      for (let i = 0; i < 3; i++) {
        const s = (await mfa.registerChallenge({ type: 'totp' })).totp!.secret;
        await mfa.addDevice({ name: `otp-${i}`, type: 'totp', totp_code: totpCode(s, Date.now()) });
        spare.push(s);
      }
    } finally {
      pc.close();
    }
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await c?.close();
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses a certificate without the MFA check at the kubernetes_service, in Teleport\'s words', async () => {
    const admin = await c.admin();
    const plain = await kubeUser(admin, { dir, file: 'plain', username: 'kim', server: `https://${c.webAddr}`, kubeCluster: 'dev-cluster' });
    const r = await plain.kubectl(['exec', 'web-1', '--', 'echo', 'no-mfa']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('access to resource requires MFA');
    expect(r.out).not.toContain('no-mfa');
  });

  it('kubectl exec runs after a TOTP code typed on its terminal (the exec plugin asks)', async () => {
    const run = kubectlPty(kubectlEnv(), ['exec', 'web-1', '--', 'echo', 'via-otp']);
    await run.until(/Enter an OTP code from a device/, 30_000);
    // The next period's code of a fresh device: registering it used this period's.
    run.pty.write(`${totpCode(spare.shift()!, Date.now() + 30_000)}\r`);
    await run.until(/via-otp/, 30_000);
    expect(await run.exited).toBe(0);
  }, 90_000);

  it('a wrong code ends kubectl with auth\'s refusal', async () => {
    const run = kubectlPty(kubectlEnv(), ['get', 'pods']);
    await run.until(/Enter an OTP code/, 30_000);
    run.pty.write('000000\r');
    // kubectl runs the plugin again for its next request: the refusal is on the screen by then.
    await run.until(/the TOTP code is not valid or was already used/, 30_000);
    run.pty.kill();
    await run.exited;
  }, 90_000);

  it('without a terminal, kubectl exec runs after a security key answers in the browser', async () => {
    let answered = false;
    const add = await tsh(['mfa', 'add', '--type=WEBAUTHN', '--name=key1', '--browser=none'], (_out, err) => {
      const link = /(https:\/\/\S+\/web\/mfa\/browser\/[0-9a-f]{32})/.exec(err)?.[1];
      if (link && !answered) {
        answered = true;
        void answerInBrowser(link);
      }
    }, `${totpCode(spare.shift()!, Date.now() + 30_000)}\n`);
    expect(add.code, add.err).toBe(0);
    const run = kubectlBackground(kubectlEnv(), ['exec', 'web-1', '--', 'echo', 'via-key']);
    const link = (await run.until(/(https:\/\/\S+\/web\/mfa\/browser\/[0-9a-f]{32})/, { stream: 'stderr', timeoutMs: 30_000 }))[1];
    await answerInBrowser(link);
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stdout()).toBe('via-key\n');
  }, 90_000);
});
