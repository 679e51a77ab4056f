// The proxy's routing to nodes that heartbeat `use_tunnel`: dialed through the tunnel dialer as
// `<uuid>.<cluster>` with the client's address (not by TCP address), the client's SSH session
// running end to end over it, and the tunnel's refusal shown to the user.
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionProblemError } from '../../api/errors.js';
import { FakeClock } from '../../api/clock.js';
import type { TunnelDialRequest } from '../../reversetunnel/index.js';
import { silentLogger } from '../../log/index.js';
import { formatCertificate, generateKeyPair, verifyCertificate } from '../../sshca/index.js';
import { connectSSH, type SSHClient, type SSHServer } from '../../sshutils/index.js';
import { certAuthenticator, makeCA, testServer } from '../../sshutils/testing/fixtures.js';
import { ProxySSHServer } from './server.js';
import { memoryAccess, nodeResource } from './testing/fixtures.js';

const CLUSTER = 'example.com';
const EDGE = '6b0d6a57-1f2e-4c3a-9b8d-00000000e001';
const hostCA = makeCA();
const userCA = makeCA();
const alice = generateKeyPair();
const aliceCert = userCA.sign(alice.publicKey, 'user', ['alice']);

describe('proxy routing through reverse tunnels', () => {
  const { access, state } = memoryAccess(CLUSTER, [userCA.blob]);
  const dials: TunnelDialRequest[] = [];
  let node: SSHServer;
  let proxy: ProxySSHServer;
  let port: number;
  const clients: SSHClient[] = [];

  beforeAll(async () => {
    const key = generateKeyPair();
    // The node listens only so the fake tunnel has something to reach; the proxy never sees this port.
    node = await testServer({ logger: silentLogger, hostKey: key.privateKey, hostCert: hostCA.sign(key.publicKey, 'host', [EDGE, 'edge']).blob, authenticate: certAuthenticator(userCA.blob) });
    state.nodes = [{ ...nodeResource(EDGE, 'edge', '', {}), spec: { hostname: 'edge', addr: '', use_tunnel: true } }];
    state.tunnels = {
      dial: async (req): Promise<Duplex> => {
        dials.push(req);
        if (req.serverId !== `${EDGE}.${CLUSTER}`) throw new ConnectionProblemError(`no reverse tunnel to "${req.serverId}" on this proxy`);
        return connect({ host: '127.0.0.1', port: node.address.port });
      },
    };
    const pk = generateKeyPair();
    proxy = new ProxySSHServer({
      host: '127.0.0.1',
      port: 0,
      hostKey: pk.privateKey,
      hostCert: formatCertificate(hostCA.sign(pk.publicKey, 'host', ['127.0.0.1'])),
      access,
      clock: new FakeClock(Date.now()),
      logger: silentLogger,
    });
    port = (await proxy.start()).port;
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await proxy?.close();
    await node?.close();
  });

  const trust = (principal: string) => (k: { cert?: Parameters<typeof verifyCertificate>[0] }) => {
    try {
      verifyCertificate(k.cert!, { trustedCAs: [hostCA.blob], now: Date.now(), type: 'host', principal });
      return true;
    } catch {
      return false;
    }
  };

  async function login(): Promise<SSHClient> {
    const c = await connectSSH({ host: '127.0.0.1', port, username: 'alice', privateKey: alice.privateKey, cert: aliceCert.blob, verifyHostKey: trust('127.0.0.1') });
    clients.push(c);
    return c;
  }

  it('dials the node as <uuid>.<cluster> through its tunnel and runs the session end to end', async () => {
    const c = await login();
    const ch = await c.subsystem(`proxy:edge:3022@${CLUSTER}`);
    const inner = await connectSSH({ sock: ch, username: 'alice', privateKey: alice.privateKey, cert: aliceCert.blob, verifyHostKey: trust(EDGE) });
    clients.push(inner);
    const p = await inner.exec('echo through the tunnel');
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    expect((await p.exit).code).toBe(0);
    expect(out).toBe('through the tunnel\n');
    expect(dials).toHaveLength(1);
    expect(dials[0]).toMatchObject({ serverId: `${EDGE}.${CLUSTER}`, type: 'node', address: '@local-node' });
    expect(dials[0].clientAddr).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("shows the tunnel's refusal, and refuses tunnel nodes when the proxy has no tunnel listener", async () => {
    state.tunnels = { dial: () => Promise.reject(new ConnectionProblemError(`no reverse tunnel to "${EDGE}.${CLUSTER}" on this proxy: is its agent running and connected?`)) };
    const c = await login();
    await expect(c.subsystem(`proxy:edge:0@${CLUSTER}`)).rejects.toThrow(
      `failed connecting to node edge: no reverse tunnel to "${EDGE}.${CLUSTER}" on this proxy: is its agent running and connected?`,
    );
    state.tunnels = undefined;
    await expect(c.subsystem(`proxy:${EDGE}:0@${CLUSTER}`)).rejects.toThrow(/reverse tunnel/);
  });
});
