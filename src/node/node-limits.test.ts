// connection_limits on the node's SSH listener: the connection past max_connections from one
// address and a second user past max_users are refused with Teleport's reason shown to OpenSSH.
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionLimiter, type ConnectionLimits } from '../limiter/index.js';
import { generateKeyPair } from '../sshca/index.js';
import { connectSSH, type SSHClient } from '../sshutils/index.js';
import { TEST_LOGIN, ensureTestUser, runSSH, startTestNode, userCert, type TestNode } from './testing/fixtures.js';

const skip = ensureTestUser();

describe.skipIf(skip !== undefined)('node connection limits', () => {
  let t: TestNode | undefined;
  const clients: SSHClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t?.cleanup();
    t = undefined;
  });

  async function start(limits: Partial<ConnectionLimits>): Promise<TestNode> {
    t = await startTestNode({ limiter: new ConnectionLimiter({ limits: { maxConnections: 0, maxUsers: 0, rates: [], ...limits } }) });
    return t;
  }

  async function hold(node: TestNode, keyId = 'alice'): Promise<SSHClient> {
    const key = generateKeyPair('ed25519');
    const cert = userCert(node.userCA, key.publicKey, { keyId });
    const c = await connectSSH({ host: '127.0.0.1', port: node.port, username: TEST_LOGIN, privateKey: key.privateKey, cert: cert.blob, verifyHostKey: () => true });
    clients.push(c);
    return c;
  }

  it('refuses the third concurrent connection from 127.0.0.1 with max_connections: 2', async () => {
    const node = await start({ maxConnections: 2 });
    const first = await hold(node);
    await hold(node);
    const refused = await runSSH([...node.args(await node.identity()), 'echo in']);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain('too many connections from 127.0.0.1: 2, max is 2');
    expect(refused.stdout).toBe('');
    // A closed connection frees its slot.
    first.close();
    await expect.poll(async () => (await runSSH([...node.args(await node.identity()), 'echo in'])).stdout).toBe('in\n');
  });

  it('refuses a second user while the first is connected with max_users: 1', async () => {
    const node = await start({ maxUsers: 1 });
    const alice = await hold(node, 'alice');
    const bob = await runSSH([...node.args(await node.identity({ keyId: 'bob' })), 'echo in']);
    expect(bob.stderr).toContain('max user limit reached');
    expect(bob.stdout).toBe('');
    expect(bob.code).not.toBe(0);
    // The connected user may open more connections.
    expect((await runSSH([...node.args(await node.identity({ keyId: 'alice' })), 'echo in'])).stdout).toBe('in\n');
    alice.close();
    await expect.poll(async () => (await runSSH([...node.args(await node.identity({ keyId: 'bob' })), 'echo in'])).stdout).toBe('in\n');
  });
});
