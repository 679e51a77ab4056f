// AuthClient with several auth servers: tries them in order on connection errors, remembers the
// one that answered, and treats the server's typed errors as final.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../src/api/client/index.js';
import { ConnectionProblemError, NotFoundError } from '../src/api/errors.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

/** A loopback address nothing listens on. */
async function deadAddr(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return `127.0.0.1:${port}`;
}

describe('AuthClient failover', () => {
  let c: TestCluster;
  let dead: string;
  let creds: Awaited<ReturnType<TestCluster['adminCredentials']>>;

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'failover.test' });
    dead = await deadAddr();
    creds = await c.adminCredentials();
  }, 60_000);
  afterAll(async () => c?.close());

  it('moves on to the next auth server when one refuses connections, and stays there', async () => {
    const client = new AuthClient({ addr: dead, fallbackAddrs: [c.authAddr], clusterName: c.clusterName, credentials: creds });
    expect((await client.ping()).cluster_name).toBe('failover.test');
    expect(client.addr).toBe(c.authAddr);
    expect(client.allAddrs).toEqual([c.authAddr, dead]);
    expect((await client.whoami()).username).not.toBe('');
  });

  it("does not fail over on the server's own errors", async () => {
    const client = new AuthClient({ addr: c.authAddr, fallbackAddrs: [dead], clusterName: c.clusterName, credentials: creds });
    await expect(client.getResource('user', 'nobody')).rejects.toBeInstanceOf(NotFoundError);
    expect(client.addr).toBe(c.authAddr);
  });

  it('throws ConnectionProblemError when no auth server answers', async () => {
    const client = new AuthClient({ addr: dead, fallbackAddrs: [await deadAddr()], clusterName: c.clusterName, credentials: creds, timeoutMs: 2_000 });
    await expect(client.ping()).rejects.toBeInstanceOf(ConnectionProblemError);
  });
});
