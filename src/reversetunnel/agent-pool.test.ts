// The agent pool: one tunnel per proxy behind a round-robin load balancer (discovery), proxies
// joining and leaving, and reconnection after a proxy goes away on capped, jittered exponential
// backoff observed on manual timers.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualTimers } from './testing/manual-timers.js';
import { CLUSTER, agentPool, hostCA, roundRobin, startTunnelServer, until, type HostCA } from './testing/fixtures.js';
import type { TunnelServer } from './tunnel-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('agent pool discovery', () => {
  it('keeps a tunnel to every proxy behind one load-balanced address, following joins and leaves', async () => {
    const ca = hostCA();
    const proxies = new Map<string, { server: TunnelServer; addr: string }>();
    const live = () => [...proxies.keys()];
    const start = async (id: string) => {
      const p = await startTunnelServer(ca, id, { proxies: async () => live(), discoveryMs: 50 });
      proxies.set(id, p);
      cleanups.push(() => p.server.close());
    };
    await start('proxy-1');
    await start('proxy-2');
    const lb = await roundRobin(() => [...proxies.values()].map((p) => p.addr));
    cleanups.push(() => lb.close());
    const pool = agentPool(ca, 'node-1', () => lb.addr);
    cleanups.push(() => pool.close());
    pool.start();

    await until(() => pool.connectedProxies().length === 2, 10_000, 'tunnels to both proxies');
    expect(pool.connectedProxies()).toEqual(['proxy-1', 'proxy-2']);
    for (const p of proxies.values()) await until(() => p.server.agents().length === 1, 5_000, 'the agent at each proxy');
    expect(proxies.get('proxy-2')!.server.agents()[0].serverId).toBe(`node-1.${CLUSTER}`);

    // A third proxy starts heartbeating: the others announce it and the agent seeks it out.
    await start('proxy-3');
    await until(() => pool.connectedProxies().length === 3, 10_000, 'a tunnel to the new proxy');
    expect(pool.knownProxies()).toEqual(['proxy-1', 'proxy-2', 'proxy-3']);

    // proxy-2 goes away and stops being announced: the agent stops looking for it.
    const gone = proxies.get('proxy-2')!;
    proxies.delete('proxy-2');
    await gone.server.close();
    await until(() => pool.connectedProxies().join() === 'proxy-1,proxy-3' && pool.knownProxies().join() === 'proxy-1,proxy-3', 5_000, 'proxy-2 forgotten');
    const attempts = pool.attempts;
    await new Promise((r) => setTimeout(r, 300));
    expect(pool.attempts).toBe(attempts);
  });
});

describe('agent pool backoff', () => {
  /** Delays of the reconnect timer armed on `timers` (heartbeats are pushed out of the way). */
  async function armedDelay(timers: ManualTimers): Promise<number> {
    const reconnect = () => timers.delays().filter((d) => d < 1_000_000);
    await until(() => reconnect().length === 1, 5_000, 'a reconnect to be scheduled');
    return reconnect()[0];
  }

  async function setup(ca: HostCA) {
    const first = await startTunnelServer(ca, 'proxy-1');
    const port = Number(first.addr.split(':')[1]);
    const timers = new ManualTimers();
    const pool = agentPool(ca, 'node-1', () => `127.0.0.1:${port}`, {
      timers,
      heartbeatMs: 10_000_000,
      backoff: { baseMs: 1_000, capMs: 8_000, random: () => 0.5 },
    });
    cleanups.push(() => pool.close());
    return { first, port, timers, pool };
  }

  it('retries a lost proxy after jittered, doubling, capped delays, and resets once back', async () => {
    const ca = hostCA();
    const { first, port, timers, pool } = await setup(ca);
    pool.start();
    await pool.waitConnected(5_000);
    expect(pool.attempts).toBe(1);

    await first.server.close();
    // With random() = 0.5 each delay sits at 3/4 of its window: [500,1000], [1000,2000], ...
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = await armedDelay(timers);
      delays.push(d);
      const before = pool.attempts;
      timers.advance(d - 1);
      expect(pool.attempts).toBe(before);
      timers.advance(1);
      expect(pool.attempts).toBe(before + 1);
    }
    expect(delays).toEqual([750, 1_500, 3_000, 6_000, 6_000]);
    const next = await armedDelay(timers);
    expect(next).toBe(6_000);

    // The proxy comes back on the same port: the next attempt connects and the backoff starts over.
    const again = await startTunnelServer(ca, 'proxy-1', { port });
    cleanups.push(() => again.server.close());
    timers.advance(next);
    await pool.waitConnected(5_000);
    await again.server.close();
    expect(await armedDelay(timers)).toBe(750);
  });

  it('draws each reconnect from the injected randomness (no two agents in step)', async () => {
    const ca = hostCA();
    const firstDelays: number[] = [];
    for (const r of [0, 0.3, 0.99]) {
      const first = await startTunnelServer(ca, 'proxy-1');
      const timers = new ManualTimers();
      const pool = agentPool(ca, 'node-1', () => first.addr, { timers, heartbeatMs: 10_000_000, backoff: { baseMs: 1_000, capMs: 8_000, random: () => r } });
      cleanups.push(() => pool.close());
      pool.start();
      await pool.waitConnected(5_000);
      await first.server.close();
      firstDelays.push(await armedDelay(timers));
    }
    expect(firstDelays).toEqual([500, 650, 995]);
  });
});
