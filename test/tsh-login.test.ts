// tsh login/status/logout against a real cluster: a user completes an invite with a TOTP device,
// logs in through the proxy's web API with password + OTP typed on stdin, gets keys in Teleport's
// ~/.tsh layout (the SSH certificate readable by ssh-keygen), sees Teleport's status block, and logs out.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../src/api/client/index.js';
import { totpCode } from '../src/auth/totp.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTsh } from '../src/cli/tsh/run.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

const PASSWORD = 'a long enough password';

describe('tsh login', () => {
  let c: TestCluster;
  let home: string;
  let secret: string;

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'tsh.test' });
    home = await mkdtemp(join(tmpdir(), 'tsh-home-'));
    const admin = await c.admin();
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'alice' }, spec: { roles: ['access'], traits: { logins: ['alice', 'ubuntu'] } } });
    const invite = await admin.createUserToken('alice', { type: 'invite' });
    const anon = new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, caPems: (await admin.ping()).host_ca_certs });
    secret = (await anon.totpRegistration(invite.token)).secret;
    await anon.completeUserToken({ token: invite.token, password: PASSWORD, otp_code: totpCode(secret, Date.now()) });
  });
  afterAll(async () => {
    await c?.close();
    await rm(home, { recursive: true, force: true });
  });

  const tsh = async (argv: string[], stdin = '') => {
    const io = captureIO({ stdin, env: { TELEPORT_HOME: home }, homeDir: home });
    const code = await runTsh(argv, io.io);
    return { code, out: io.out(), err: io.err() };
  };

  it('refuses the proxy\'s certificate without --insecure, naming the fix', async () => {
    const r = await tsh(['login', `--proxy=${c.webAddr}`, '--user=alice'], `${PASSWORD}\n`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown authority.*--insecure/);
  });

  it('refuses a wrong password without writing anything', async () => {
    const r = await tsh(['login', `--proxy=${c.webAddr}`, '--user=alice', '--insecure'], `wrong password here\n${totpCode(secret, Date.now())}\n`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ERROR: invalid username, password or second factor/);
    expect(existsSync(join(home, 'current-profile'))).toBe(false);
  });

  it('logs in with password and OTP and prints the status', async () => {
    const r = await tsh(['login', `--proxy=${c.webAddr}`, '--user=alice', '--insecure', '--ttl=120'], `${PASSWORD}\n${totpCode(secret, Date.now() + 30_000)}\n`);
    expect(r.err).toContain('Enter password for Teleport user alice:');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^> Profile URL: +https://${c.webAddr.replace(/\./g, '\\.')}\n`));
    expect(r.out).toMatch(/\n {2}Logged in as: +alice\n {2}Cluster: +tsh\.test\n {2}Roles: +access\n {2}Logins: +alice, ubuntu\n/);
    expect(r.out).toMatch(/Valid until: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+ \[valid for (2h0m0s|1h59m0s)\]/);
    expect(r.out).toMatch(/Extensions: +permit-agent-forwarding, permit-port-forwarding, permit-pty/);
  });

  it('stores keys in the ~/.tsh layout, with a certificate ssh-keygen reads', async () => {
    const host = c.webAddr.split(':')[0];
    expect((await readFile(join(home, 'current-profile'), 'utf8')).trim()).toBe(host);
    const certPath = join(home, 'keys', host, 'alice-ssh', 'tsh.test-cert.pub');
    const listing = execFileSync('ssh-keygen', ['-L', '-f', certPath], { encoding: 'utf8' });
    expect(listing).toMatch(/Key ID: "alice"/);
    expect(listing).toMatch(/Principals:\s+alice\s+ubuntu/);
    expect(await readFile(join(home, 'known_hosts'), 'utf8')).toMatch(/^@cert-authority tsh\.test,\*\.tsh\.test ssh-ed25519 \S+ type=host$/m);
    expect(await readFile(join(home, 'keys', host, 'certs.pem'), 'utf8')).toMatch(/BEGIN CERTIFICATE/);
  });

  it('status shows the profile; logout removes it', async () => {
    expect((await tsh(['status'])).out).toMatch(/Logged in as: +alice/);
    const out = await tsh(['logout']);
    expect(out.out).toBe('Logged out all users from all proxies.\n');
    expect(existsSync(join(home, 'keys'))).toBe(false);
    const after = await tsh(['status']);
    expect(after.code).toBe(1);
    expect(after.err).toBe('Not logged in.\n');
  });
});
