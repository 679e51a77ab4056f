// Who gets in: the node checks user certificates completely and asks the roles, refusing (and
// logging why) expired, not-yet-valid, foreign, host-type, wrong-principal, role-less and
// source-restricted certificates, deny rules and label mismatches; garbage ends only its connection.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { newRole } from '../api/types/index.js';
import { generateKeyPair } from '../sshca/index.js';
import { connectSSH } from '../sshutils/index.js';
import { TEST_LOGIN, accessRole, ensureTestUser, makeCA, runSSH, startTestNode, userCert, waitFor, type CertOptions, type TestNode } from './testing/fixtures.js';

const skip = ensureTestUser();
const HOUR = 3600_000;

describe.skipIf(skip !== undefined)('node login authorization', () => {
  let t: TestNode;
  let logFile: string;

  beforeAll(async () => {
    logFile = join(tmpdir(), `node-auth-${process.pid}.log`);
    t = await startTestNode({ config: { labels: { env: 'dev', team: 'core' } }, logFile });
    t.access.addRole(newRole('prod-only', { allow: { logins: [TEST_LOGIN], node_labels: { env: 'prod' } } }));
    t.access.addRole(newRole('regex-dev', { allow: { logins: [TEST_LOGIN], node_labels: { env: '^d.v$' } } }));
    t.access.addRole(newRole('deny-core', { deny: { node_labels: { team: 'core' } } }));
    t.access.addRole(newRole('deny-login', { deny: { logins: [TEST_LOGIN] } }));
  });
  afterAll(async () => {
    await t?.cleanup();
    await rm(logFile, { force: true });
  });

  async function attempt(cert: CertOptions, login = TEST_LOGIN) {
    return runSSH([...t.args(await t.identity(cert), login), 'echo in']);
  }

  async function expectRefused(cert: CertOptions, logged: RegExp, login = TEST_LOGIN): Promise<void> {
    const r = await attempt(cert, login);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('Permission denied (publickey)');
    await waitFor(async () => logged.test(await readFile(logFile, 'utf8').catch(() => '')));
  }

  it('lets a valid certificate with an allowing role in', async () => {
    const r = await attempt({});
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('in\n');
  });

  it.each<[string, CertOptions, RegExp]>([
    ['an expired certificate', { validAfter: new Date(Date.now() - 2 * HOUR), validBefore: new Date(Date.now() - HOUR) }, /expired at/],
    ['a certificate not yet valid', { validAfter: new Date(Date.now() + HOUR), validBefore: new Date(Date.now() + 2 * HOUR) }, /not valid until/],
    ['a certificate from a foreign CA', { ca: makeCA() }, /signed by untrusted authority/],
    ['a login not among the principals', { principals: ['root'] }, /principal \\"tpnodetest\\" is not in the certificate's principals/],
    ['a certificate without teleport-roles', { extensions: { 'permit-pty': '' } }, /no teleport-roles extension/],
    ['a certificate whose roles do not exist', { roles: ['ghost'] }, /none of the certificate's roles \(ghost\) exist/],
    ['a role set with a deny rule on the node labels', { roles: ['access', 'deny-core'] }, /access to node denied"/],
    ['a role set denying the login', { roles: ['access', 'deny-login'] }, /login \\"tpnodetest\\" is denied/],
    ['a role whose node_labels do not match', { roles: ['prod-only'] }, /no role allows login/],
    ['a source-address the client is not in', { criticalOptions: { 'source-address': '10.1.2.0/24' } }, /source address 127\.0\.0\.1 is not allowed/],
    ['an unknown critical option', { criticalOptions: { 'verify-required': '' } }, /unsupported critical option/],
  ])('refuses %s', async (_name, cert, logged) => {
    await expectRefused(cert, logged);
  });

  it('refuses a host certificate offered as a user certificate', async () => {
    // OpenSSH will not offer one, so our client does.
    const key = generateKeyPair('ed25519');
    const cert = userCert(t.userCA, key.publicKey, { type: 'host' });
    const login = connectSSH({ host: '127.0.0.1', port: t.port, username: TEST_LOGIN, privateKey: key.privateKey, cert: cert.blob, verifyHostKey: () => true });
    await expect(login).rejects.toThrow();
    await waitFor(async () => /is a host certificate, expected a user certificate/.test(await readFile(logFile, 'utf8')));
  });

  it('matches node_labels as ^regex$ and honours a matching source-address', async () => {
    expect((await attempt({ roles: ['regex-dev'] })).stdout).toBe('in\n');
    expect((await attempt({ criticalOptions: { 'source-address': '127.0.0.0/8' } })).stdout).toBe('in\n');
  });

  it('matches node_labels against command label values', async () => {
    const r = await startTestNode({ config: { commands: [{ name: 'arch', command: ['uname', '-m'], period: HOUR }] }, labelRunner: () => Promise.resolve('x86_64') });
    try {
      r.access.addRole(newRole('arch-x86', { allow: { logins: [TEST_LOGIN], node_labels: { arch: 'x86_64' } } }));
      r.access.addRole(newRole('arch-arm', { allow: { logins: [TEST_LOGIN], node_labels: { arch: 'arm64' } } }));
      await waitFor(() => r.access.heartbeats.length > 0);
      const ok = await runSSH([...r.args(await r.identity({ roles: ['arch-x86'] })), 'echo in']);
      expect(ok.stdout).toBe('in\n');
      const no = await runSSH([...r.args(await r.identity({ roles: ['arch-arm'] })), 'echo in']);
      expect(no.code).toBe(255);
    } finally {
      await r.cleanup();
    }
  });

  it('applies traits to role logins', async () => {
    t.access.addRole(accessRole('by-trait', { allow: { logins: ['{{external.unix_user}}'], node_labels: { '*': '*' } } }));
    const ok = await attempt({ roles: ['by-trait'], traits: { unix_user: [TEST_LOGIN] } });
    expect(ok.stdout).toBe('in\n');
    const no = await attempt({ roles: ['by-trait'], traits: { unix_user: ['someoneelse'] } });
    expect(no.code).toBe(255);
  });

  it('checks validity on its injected clock', async () => {
    const clock = new FakeClock(Date.now() + 3 * HOUR);
    const r = await startTestNode({ clock });
    try {
      const late = await runSSH([...r.args(await r.identity()), 'echo in']);
      expect(late.code).toBe(255);
      clock.set(Date.now());
      const now = await runSSH([...r.args(await r.identity()), 'echo in']);
      expect(now.stdout).toBe('in\n');
    } finally {
      await r.cleanup();
    }
  });

  it('ends a garbage connection and keeps serving others', async () => {
    const g = await startTestNode({ handshakeTimeoutMs: 1000 });
    try {
      // Malformed ones are dropped at once; stalled ones (a version line, or nothing) when the
      // handshake time runs out.
      const junks = [
        Buffer.from('GET / HTTP/1.1\r\n\r\n'),
        Buffer.from('SSH-2.0-x\r\n\x00\x00\x00\x05\xff\xff\xff\xff\xff'),
        Buffer.alloc(70_000, 0x41),
        randomBytes(4096),
        Buffer.from('SSH-2.0-x\r\n'),
        Buffer.alloc(0),
      ];
      const open = junks.map(
        (junk) =>
          new Promise<boolean>((resolve) => {
            const s = connect(g.port, '127.0.0.1', () => s.write(junk));
            s.on('error', () => {});
            s.resume();
            s.on('close', () => resolve(true));
            s.setTimeout(10_000, () => {
              s.destroy();
              resolve(false);
            });
          }),
      );
      // While the garbage connections are open, logins still work.
      expect((await runSSH([...g.args(await g.identity()), 'echo in'])).stdout).toBe('in\n');
      expect(await Promise.all(open)).toEqual(junks.map(() => true));
      expect((await runSSH([...g.args(await g.identity()), 'echo in'])).stdout).toBe('in\n');
    } finally {
      await g.cleanup();
    }
  });
});
