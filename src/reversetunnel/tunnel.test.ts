// A tunnel server and agent pools over real sockets: host-certificate login both ways, dial
// requests on transport channels (accepted, refused with the agent's typed error, unknown
// server), the agent's channel to auth, heartbeats dropping a silent agent, and refusals of
// certificates from another CA or with the wrong role.
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NotImplementedError } from '../api/errors.js';
import type { AgentPool } from './agent-pool.js';
import { LOCAL_NODE } from './protocol.js';
import { ManualTimers } from './testing/manual-timers.js';
import { CLUSTER, agentPool, capturingLogger, hostCA, roundTrip, startTunnelServer, until } from './testing/fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serverAndPool(opts: { server?: Parameters<typeof startTunnelServer>[2]; pool?: Parameters<typeof agentPool>[3] } = {}) {
  const ca = hostCA();
  const { server, addr } = await startTunnelServer(ca, 'proxy-1', opts.server);
  cleanups.push(() => server.close());
  const pool = agentPool(ca, 'node-1', () => addr, opts.pool);
  cleanups.push(() => pool.close());
  return { ca, server, addr, pool };
}

describe('reverse tunnel', () => {
  it('connects with host certificates and relays a dialed connection both ways', async () => {
    const seen: { address: string; type: string; peer: string }[] = [];
    const { server, pool } = await serverAndPool({
      pool: {
        handler: (req, peer) => {
          seen.push({ address: req.address, type: req.type, peer: `${peer.remoteAddress}:${peer.remotePort}` });
          return (stream) => stream.pipe(stream);
        },
      },
    });
    pool.start();
    await pool.waitConnected(10_000);
    expect(pool.connectedProxies()).toEqual(['proxy-1']);
    await until(() => server.agents().length === 1, 5_000, 'the agent to register its transport');
    expect(server.agents()).toEqual([{ serverId: `node-1.${CLUSTER}`, hostId: 'node-1', role: 'Node' }]);
    const ch = await server.dial({ serverId: `node-1.${CLUSTER}`, type: 'node', address: LOCAL_NODE, clientAddr: '10.1.2.3:4567' });
    expect(await roundTrip(ch, 'SSH-2.0-hello\r\n')).toBe('SSH-2.0-hello\r\n');
    ch.destroy();
    expect(seen).toEqual([{ address: LOCAL_NODE, type: 'node', peer: '10.1.2.3:4567' }]);
    expect(pool.knownProxies()).toEqual(['proxy-1']);
  });

  it("passes the agent's typed refusal back to the proxy, and refuses unknown servers", async () => {
    const { server, pool } = await serverAndPool({
      pool: {
        handler: (req) => {
          throw new NotImplementedError(`this agent serves no ${req.type} service`);
        },
      },
    });
    pool.start();
    await until(() => server.agents().length === 1, 10_000, 'the agent');
    await expect(server.dial({ serverId: `node-1.${CLUSTER}`, type: 'db', address: 'db:5432' })).rejects.toThrow(NotImplementedError);
    await expect(server.dial({ serverId: `node-1.${CLUSTER}`, type: 'db', address: 'db:5432' })).rejects.toThrow(/serves no db service/);
    await expect(server.dial({ serverId: `node-9.${CLUSTER}`, type: 'node', address: LOCAL_NODE })).rejects.toMatchObject({
      code: 'connection_problem',
      message: expect.stringMatching(/no reverse tunnel to "node-9\.tunnel\.test"/),
    });
  });

  it('carries the agent to the auth API through the proxy', async () => {
    const echo: Server = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => echo.close(() => r())));
    const port = (echo.address() as AddressInfo).port;
    const { pool } = await serverAndPool({ server: { dialAuth: async () => connect({ host: '127.0.0.1', port }) } });
    pool.start();
    await pool.waitConnected(10_000);
    const ch = await pool.dialAuth();
    expect(await roundTrip(ch, 'to auth')).toBe('to auth');
    ch.destroy();
  });

  it('drops an agent that stops sending heartbeats', async () => {
    const serverTimers = new ManualTimers();
    const agentTimers = new ManualTimers();
    const { server, pool } = await serverAndPool({ server: { timers: serverTimers, heartbeatMs: 5_000 }, pool: { timers: agentTimers, heartbeatMs: 5_000 } });
    pool.start();
    await until(() => server.agents().length === 1, 10_000, 'the agent');
    // The agent pings whenever its own time moves: with it, the server keeps the tunnel.
    for (let i = 0; i < 4; i++) {
      agentTimers.advance(5_000);
      await new Promise((r) => setTimeout(r, 50));
      serverTimers.advance(5_000);
    }
    expect(server.agents()).toHaveLength(1);
    // Silent for more than three periods: dropped.
    serverTimers.advance(20_000);
    await until(() => server.agents().length === 0 && pool.connectedProxies().length === 0, 5_000, 'the tunnel to drop');
  });

  it('refuses agents certified by another CA or in another role, and proxies that are not proxies', async () => {
    const ca = hostCA();
    const other = hostCA();
    const { server, addr } = await startTunnelServer(ca, 'proxy-1');
    cleanups.push(() => server.close());
    const pools: AgentPool[] = [
      // Certified by another CA (which the agent also trusts, so only the proxy refuses).
      agentPool(other, 'node-2', () => addr, { hostCAKeys: () => [ca.blob, other.blob] }),
    ];
    const proxyAsAgent = ca.host('node-3', 'Proxy');
    pools.push(agentPool(ca, 'node-3', () => addr, { hostKey: proxyAsAgent.key, hostCert: proxyAsAgent.cert }));
    for (const p of pools) {
      cleanups.push(() => p.close());
      p.start();
    }
    for (const p of pools) await expect(p.waitConnected(1_000)).rejects.toThrow(/no reverse tunnel came up/);
    expect(server.agents()).toEqual([]);

    // A tunnel server whose certificate says Node, not Proxy: the agent refuses it.
    const { key, cert } = ca.host('proxy-2', 'Node');
    const { server: fake, addr: fakeAddr } = await startTunnelServer(ca, 'proxy-2', { hostKey: key, hostCert: cert });
    cleanups.push(() => fake.close());
    const { logger, records } = capturingLogger();
    const pool = agentPool(ca, 'node-4', () => fakeAddr, { logger });
    cleanups.push(() => pool.close());
    pool.start();
    const refusal = () => records.find((r) => r.msg === 'reverse tunnel: connection attempt failed');
    await until(() => refusal() !== undefined, 5_000, 'a refusal');
    expect(refusal()!.err).toMatch(/refusing the proxy at 127\.0\.0\.1:\d+: the tunnel server's certificate has role "Node", not Proxy/);
    expect(fake.agents()).toEqual([]);
  });
});
