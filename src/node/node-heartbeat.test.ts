// The node's heartbeat and command labels on a fake clock: the announced resource, the announce
// period and TTL, re-announcing at once when a command label changes, label failures, and
// heartbeat failures retried without crashing.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { validateNode } from '../api/types/index.js';
import { VERSION } from '../api/version.js';
import { silentLogger } from '../log/index.js';
import { runLabelCommand } from './command-labels.js';
import { Heartbeat, SERVER_ANNOUNCE_TTL_MS, announcePeriodMs, retryDelayMs } from './heartbeat.js';
import { Ticker } from './ticker.js';
import { startTestNode, waitFor, type TestNode } from './testing/fixtures.js';

const SECOND = 1000;
const nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.cleanup()));
});

/** Let a few ticks (50 ms each in tests) pass in real time. */
const ticks = (n = 4) => new Promise((r) => setTimeout(r, n * 60));

describe('heartbeat', () => {
  it('announces the node resource on start with static and command labels', async () => {
    const clock = new FakeClock(Date.now());
    const n = await startTestNode({
      clock,
      config: {
        labels: { env: 'dev' },
        commands: [{ name: 'arch', command: ['uname', '-m'], period: 3600 * SECOND }],
        publicAddrs: [{ host: 'node1.example.com', port: 3022 }],
      },
      labelRunner: () => Promise.resolve('x86_64'),
    });
    nodes.push(n);
    await waitFor(() => n.access.heartbeats.length === 1);
    const { node, ttlMs } = n.access.heartbeats[0];
    expect(ttlMs).toBe(SERVER_ANNOUNCE_TTL_MS);
    expect(node).toEqual({
      kind: 'node',
      version: 'v2',
      metadata: { name: 'node-uuid', labels: { env: 'dev' } },
      spec: {
        addr: `127.0.0.1:${n.port}`,
        hostname: 'node1',
        version: VERSION,
        cmd_labels: { arch: { command: ['uname', '-m'], period: '1h0m0s', result: 'x86_64' } },
        public_addrs: ['node1.example.com:3022'],
      },
    });
    // It is a valid node document for the presence API.
    expect(() => validateNode(node)).not.toThrow();
  });

  it('announces again after the announce period, not before', async () => {
    const clock = new FakeClock(Date.now());
    const n = await startTestNode({ clock });
    nodes.push(n);
    await waitFor(() => n.access.heartbeats.length === 1);
    clock.advance(SERVER_ANNOUNCE_TTL_MS / 2 - SECOND);
    await ticks();
    expect(n.access.heartbeats.length).toBe(1);
    clock.advance(SERVER_ANNOUNCE_TTL_MS / 10 + SECOND);
    await waitFor(() => n.access.heartbeats.length === 2);
  });

  it('re-announces at once when a command label changes', async () => {
    const clock = new FakeClock(Date.now());
    let value = 'one';
    let runs = 0;
    const n = await startTestNode({
      clock,
      config: { commands: [{ name: 'state', command: ['state'], period: 10 * SECOND }] },
      labelRunner: () => {
        runs++;
        return Promise.resolve(value);
      },
    });
    nodes.push(n);
    await waitFor(() => n.access.heartbeats.length === 1);
    expect(n.access.heartbeats[0].node.spec.cmd_labels?.state.result).toBe('one');
    // Same value on the next run: no extra announce.
    clock.advance(10 * SECOND);
    await waitFor(() => runs === 2);
    await ticks();
    expect(n.access.heartbeats.length).toBe(1);
    value = 'two';
    clock.advance(10 * SECOND);
    await waitFor(() => n.access.heartbeats.length === 2);
    expect(n.access.heartbeats[1].node.spec.cmd_labels?.state.result).toBe('two');
    expect(n.node.currentLabels()).toEqual({ state: 'two' });
  });

  it('logs heartbeat failures and retries until the auth server answers', async () => {
    const clock = new FakeClock(Date.now());
    const n = await startTestNode({ clock, beforeStart: (a) => (a.failHeartbeats = 2) });
    nodes.push(n);
    await ticks();
    expect(n.access.heartbeats.length).toBe(0);
    // A failure that is not a refused connection doubles the default window (10 s) each time.
    clock.advance(20 * SECOND);
    await ticks();
    clock.advance(40 * SECOND);
    await waitFor(() => n.access.heartbeats.length === 1);
    expect(n.access.failHeartbeats).toBe(0);
  });

  it('retries at a random point of the reconnect window, between 1 s and a 60 s cap', () => {
    expect(retryDelayMs(10 * SECOND, () => 0)).toBe(SECOND);
    expect(retryDelayMs(10 * SECOND, () => 0.5)).toBe(5.5 * SECOND);
    expect(retryDelayMs(25 * SECOND, () => 1)).toBe(25 * SECOND);
    expect(retryDelayMs(600 * SECOND, () => 1)).toBe(60 * SECOND);
    expect(retryDelayMs(0, () => 1)).toBe(SECOND);
  });

  it('takes the reconnect window auth answers with, and comes back within it after the connection breaks', async () => {
    const clock = new FakeClock(Date.now());
    const ticker = new Ticker(3_600_000, () => undefined);
    let fail: false | 'refused' | 'timeout' = false;
    const sent: number[] = [];
    const hb = new Heartbeat({
      resource: () => validateNode({ kind: 'node', version: 'v2', metadata: { name: 'n1' }, spec: { hostname: 'h', addr: '127.0.0.1:3022' } }),
      announce: async () => {
        if (fail === 'refused') throw new Error('connection refused', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
        if (fail === 'timeout') throw new Error('timed out talking to the auth server');
        sent.push(clock.now());
        return { reconnectWindowMs: 25 * SECOND };
      },
      clock,
      ticker,
      logger: silentLogger,
      random: () => 1,
    });
    hb.start();
    await waitFor(() => sent.length === 1);
    await ticks(1);
    expect(hb.reconnectWindowMs).toBe(25 * SECOND);
    // The watch broke: the next announce is due within the window, not at the 300 s period.
    fail = 'refused';
    hb.reconnect();
    clock.advance(25 * SECOND);
    ticker.tick();
    await ticks(1);
    // It failed (auth is still down): the retry is again within the window.
    fail = false;
    clock.advance(24 * SECOND);
    ticker.tick();
    await ticks(1);
    expect(sent.length).toBe(1);
    clock.advance(1 * SECOND);
    ticker.tick();
    await waitFor(() => sent.length === 2);
    // Auth up but swamped (a timeout, not a refusal): the next try waits twice the window.
    fail = 'timeout';
    hb.trigger();
    await ticks(1);
    fail = false;
    clock.advance(49 * SECOND);
    ticker.tick();
    await ticks(1);
    expect(sent.length).toBe(2);
    clock.advance(1 * SECOND);
    ticker.tick();
    await waitFor(() => sent.length === 3);
    await hb.close();
    ticker.close();
  });

  it('announces the advertise address when given, as a string or computed from the bound one', async () => {
    const a = await startTestNode({ clock: new FakeClock(Date.now()), advertiseAddr: '10.0.0.5:3022' });
    const b = await startTestNode({ clock: new FakeClock(Date.now()), advertiseAddr: (bound) => `node1.internal:${bound.port}` });
    nodes.push(a, b);
    await waitFor(() => a.access.heartbeats.length === 1 && b.access.heartbeats.length === 1);
    expect(a.access.heartbeats[0].node.spec.addr).toBe('10.0.0.5:3022');
    expect(b.access.heartbeats[0].node.spec.addr).toBe(`node1.internal:${b.port}`);
  });

  it('jitters the announce period between TTL/2 and TTL/2 + TTL/10', () => {
    expect(announcePeriodMs(() => 0)).toBe(300 * SECOND);
    expect(announcePeriodMs(() => 0.999999)).toBeLessThan(360 * SECOND);
    expect(announcePeriodMs(() => 0.5)).toBe(330 * SECOND);
  });
});

describe('command labels', () => {
  it('run the command without a shell and trim its output', async () => {
    expect(await runLabelCommand(['echo', '  hi there  ', '$HOME'], silentLogger)).toBe('hi there   $HOME');
  });

  it('show a failure with the exit status and what was printed', async () => {
    expect(await runLabelCommand(['sh', '-c', 'echo partial; exit 3'], silentLogger)).toBe('exit status 3 output: partial');
    expect(await runLabelCommand(['/nonexistent/cmd'], silentLogger)).toMatch(/ENOENT/);
  });
});
