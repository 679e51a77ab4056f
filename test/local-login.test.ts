// Local users end to end over the auth API: an invite link completed with a password and a TOTP
// device, login returning certificates, and the refusals (policy, wrong code, replayed code,
// lockout after five failures, a used link).
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../src/api/client/index.js';
import { AccessDeniedError, BadParameterError } from '../src/api/errors.js';
import { totpCode } from '../src/auth/totp.js';
import { identityFromCertificate } from '../src/tlsca/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

const PASSWORD = 'correct horse battery';
const pub = () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('local login', () => {
  let c: TestCluster;
  let admin: AuthClient;
  let anon: AuthClient;
  let secret: string;

  beforeAll(async () => {
    c = await startCluster();
    admin = await c.admin();
    anon = new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, caPems: (await admin.ping()).host_ca_certs });
    for (const name of ['alice', 'bob']) {
      await admin.createResource({ kind: 'user', version: 'v2', metadata: { name }, spec: { roles: ['access'], traits: { logins: [name, 'ubuntu'] } } });
    }
  });
  afterAll(async () => c?.close());

  it('completes an invite with a password and a TOTP device', async () => {
    const invite = await admin.createUserToken('alice', { type: 'invite' });
    expect(invite.url).toBe(`https://${c.webAddr}/web/invite/${invite.token}`);
    expect(await anon.userTokenInfo(invite.token)).toMatchObject({ user: 'alice', type: 'invite' });
    const reg = await anon.totpRegistration(invite.token);
    expect(reg.uri).toContain(`secret=${reg.secret}`);
    expect((await anon.totpRegistration(invite.token)).secret).toBe(reg.secret);
    secret = reg.secret;

    await expect(anon.completeUserToken({ token: invite.token, password: 'short', otp_code: totpCode(secret, Date.now()) })).rejects.toThrow(
      /at least 12 characters/,
    );
    await expect(anon.completeUserToken({ token: invite.token, password: PASSWORD, otp_code: '000000' })).rejects.toThrow(BadParameterError);
    await expect(anon.completeUserToken({ token: invite.token, password: PASSWORD })).rejects.toThrow(/authenticator code/);
    expect(await anon.completeUserToken({ token: invite.token, password: PASSWORD, otp_code: totpCode(secret, Date.now()) })).toEqual({ user: 'alice' });
    // The link is consumed.
    await expect(anon.userTokenInfo(invite.token)).rejects.toThrow(AccessDeniedError);
  });

  it('logs in with password and TOTP and returns certificates with the role logins', async () => {
    const res = await anon.loginSSH({ user: 'alice', password: PASSWORD, otp_token: totpCode(secret, Date.now() + 30_000), public_key: pub(), ttl_ms: 3_600_000 });
    const id = identityFromCertificate(res.tls);
    expect(id.username).toBe('alice');
    expect(id.groups).toEqual(['access']);
    expect(id.principals).toEqual(expect.arrayContaining(['alice', 'ubuntu']));
    expect(res.ssh).toMatch(/^ssh-ed25519-cert-v01@openssh\.com /);
    expect(Date.parse(res.expires) - Date.now()).toBeLessThanOrEqual(3_600_000);
  });

  it('refuses a replayed TOTP code and a missing one', async () => {
    const code = totpCode(secret, Date.now() - 30_000);
    await anon.loginSSH({ user: 'alice', password: PASSWORD, otp_token: code, public_key: pub() }).catch(() => undefined);
    await expect(anon.loginSSH({ user: 'alice', password: PASSWORD, otp_token: code, public_key: pub() })).rejects.toThrow(AccessDeniedError);
    await expect(anon.loginSSH({ user: 'alice', password: PASSWORD, public_key: pub() })).rejects.toThrow(/invalid username, password or second factor/);
  });

  it('locks a user after five failed attempts, even for the right password', async () => {
    const invite = await admin.createUserToken('bob', { type: 'invite' });
    const reg = await anon.totpRegistration(invite.token);
    await anon.completeUserToken({ token: invite.token, password: PASSWORD, otp_code: totpCode(reg.secret, Date.now()) });
    for (let i = 0; i < 4; i++) {
      await expect(anon.loginSSH({ user: 'bob', password: 'wrong password!!', otp_token: '123456', public_key: pub() })).rejects.toThrow(/invalid username/);
    }
    await expect(anon.loginSSH({ user: 'bob', password: 'wrong password!!', otp_token: '123456', public_key: pub() })).rejects.toThrow(/locked until/);
    await expect(
      anon.loginSSH({ user: 'bob', password: PASSWORD, otp_token: totpCode(reg.secret, Date.now() + 30_000), public_key: pub() }),
    ).rejects.toThrow(/locked until/);
    const bob = await admin.getResource<{ spec: { status?: { is_locked?: boolean } } }>('user', 'bob');
    expect(bob.spec.status?.is_locked).toBe(true);
  });

  it('a reset link unlocks the user and replaces the password', async () => {
    const reset = await admin.createUserToken('bob', { type: 'reset' });
    const reg = await anon.totpRegistration(reset.token);
    await anon.completeUserToken({ token: reset.token, password: 'another long password', otp_code: totpCode(reg.secret, Date.now()) });
    const res = await anon.loginSSH({ user: 'bob', password: 'another long password', otp_token: totpCode(reg.secret, Date.now() + 30_000), public_key: pub() });
    expect(identityFromCertificate(res.tls).username).toBe('bob');
  });

  it('does not tell unknown users from wrong passwords', async () => {
    await expect(anon.loginSSH({ user: 'nobody', password: PASSWORD, public_key: pub() })).rejects.toThrow(/invalid username, password or second factor/);
  });
});
