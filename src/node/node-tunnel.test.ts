// The node in reverse tunnel mode: no listener, a heartbeat with use_tunnel and no address, and
// connections handed over as streams served like accepted ones (login, exec, the client address
// as the tunnel reported it).
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../api/version.js';
import { TEST_LOGIN, ensureTestUser, runSSH, startTestNode, waitFor, type TestNode } from './testing/fixtures.js';

const skip = ensureTestUser();

describe.skipIf(skip !== undefined)('node behind a reverse tunnel', () => {
  let t: TestNode;
  let handover: Server;
  let port: number;

  beforeAll(async () => {
    t = await startTestNode({ useTunnel: true });
    // Stands in for the agent pool: every accepted socket goes to the node as a tunnelled connection.
    handover = createServer((sock) => t.node.serveConnection(sock, { remoteAddress: '10.1.2.3', remotePort: 4567 }));
    await new Promise<void>((r) => handover.listen(0, '127.0.0.1', r));
    port = (handover.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => (handover ? handover.close(() => r()) : r()));
    await t?.cleanup();
  });

  it('opens no port and heartbeats use_tunnel without an address', async () => {
    expect(t.port).toBe(0);
    await waitFor(() => t.access.heartbeats.length > 0);
    expect(t.access.heartbeats[0].node.spec).toEqual({ addr: '', hostname: 'node1', use_tunnel: true, version: VERSION });
  });

  it('serves a handed-over connection with the client address the tunnel reported', async () => {
    const id = await t.identity();
    const args = t.args(id);
    args[args.indexOf('-p') + 1] = String(port);
    const r = await runSSH([...args, 'id -un; echo "$SSH_CLIENT"']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [name, client] = r.stdout.trim().split('\n');
    expect(name).toBe(TEST_LOGIN);
    expect(client).toBe('10.1.2.3 4567 0');
  });
});
