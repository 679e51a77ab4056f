// Per-session MFA (require_session_mfa: yes in teleport.yaml's authentication, as in the
// cluster_auth_preference) against a real cluster with an in-process node: tsh ssh asks for an OTP
// code and runs the command with a one-minute certificate marked mfa-verified and bound to the
// node; a wrong code is refused by auth; the login certificate alone, and an MFA certificate bound
// to another node, are refused by the node itself.
import { createPublicKey } from 'node:crypto';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MFAClient } from '../src/api/client/index.js';
import { EXT_MFA_NODE, EXT_MFA_VERIFIED } from '../src/api/mfa-wire.js';
import { totpCode } from '../src/auth/totp.js';
import { ProxyClient, loadClientIdentity } from '../src/client/index.js';
import { parseCertificate } from '../src/sshca/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { loginUser, waitForNodes, type TshUser } from './helpers/tsh-user.js';

const me = userInfo().username;

describe('per-session MFA (require_session_mfa) for SSH', () => {
  let c: TestCluster;
  let dave: TshUser;
  let nodeId = '';
  let proxy: ProxyClient;
  /** A TOTP device added for this test: the login already used the first device's next code. */
  let secret = '';

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'smfa.test', nodename: 'mfa-node', ssh: '', authExtra: 'authentication:\n  type: local\n  second_factor: otp\n  require_session_mfa: yes' });
    nodeId = (await waitForNodes(c, ['mfa-node']))[0].metadata.name;
    dave = await loginUser(c, 'dave', ['access'], [me]);
    const identity = await loadClientIdentity({ home: dave.home, insecure: true, cwd: dave.home, now: Date.now() });
    proxy = await ProxyClient.connect({ identity });
    const mfa = new MFAClient(proxy.authClient());
    secret = (await mfa.registerChallenge({ type: 'totp' })).totp!.secret;
    await mfa.addDevice({ name: 'phone', type: 'totp', totp_code: totpCode(secret, Date.now()) });
  }, 60_000);
  afterAll(async () => {
    proxy?.close();
    await dave?.cleanup();
    await c?.close();
  });

  it('refuses the login certificate alone at the node', async () => {
    const err = await proxy.connectNode({ host: 'mfa-node', port: 0, login: me }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/access denied to .* connecting to mfa-node/);
    expect(await new MFAClient(proxy.authClient()).sessionMFARequired()).toBe(true);
  });

  it('refuses tsh ssh with a wrong code, and runs it after a good one', async () => {
    const bad = await dave.tsh(['ssh', `${me}@mfa-node`, 'echo', 'hello'], { stdin: '000000\n' });
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/Enter an OTP code from a device/);
    expect(bad.err).toMatch(/the TOTP code is not valid or was already used/);
    const good = await dave.tsh(['ssh', `${me}@mfa-node`, 'echo', 'hello'], { stdin: `${totpCode(secret, Date.now() + 30_000)}\n` });
    expect(good.code, good.err).toBe(0);
    expect(good.out).toBe('hello\n');
  });

  it('issues one-minute certificates marked mfa-verified and bound to the node; another node is refused', async () => {
    // A second device, so that a code unused in this period exists.
    const mfa = new MFAClient(proxy.authClient());
    const second = (await mfa.registerChallenge({ type: 'totp' })).totp!.secret;
    const added = await mfa.addDevice({ name: 'tablet', type: 'totp', totp_code: totpCode(second, Date.now()) });
    const certs = await mfa.sessionCerts({
      totp_code: totpCode(second, Date.now() + 30_000),
      public_key: createPublicKey(proxy.identity.privateKey).export({ type: 'spki', format: 'pem' }).toString(),
      node: 'another-node',
      login: me,
    });
    const cert = parseCertificate(certs.ssh.trim());
    expect(cert.extensions[EXT_MFA_VERIFIED]).toBe(added.id);
    expect(cert.extensions[EXT_MFA_NODE]).toBe('another-node');
    expect(Number(cert.validBefore - cert.validAfter)).toBeLessThanOrEqual(120);
    expect(Number(cert.validBefore) * 1000 - Date.now()).toBeLessThanOrEqual(61_000);
    // Presented to mfa-node, the node refuses it.
    const err = await proxy.connectNode({ host: 'mfa-node', hostId: nodeId, port: 0, login: me, cert: cert.blob }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/access denied to .* connecting to mfa-node/);
  });
});
