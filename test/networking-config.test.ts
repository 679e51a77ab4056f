/**
 * cluster_networking_config on a real cluster: auth_service's networking keys set it at start,
 * `tctl get` shows it as Teleport does, `tctl create -f` changes it (audited TCNET002I) and refuses
 * fields this release does not act on, and the node applies it through its watch-fed cache: a
 * session through the proxy left idle is closed at client_idle_timeout with the configured message.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { loginUser, waitForNodes, type TshUser } from './helpers/tsh-user.js';

let c: TestCluster;
let user: TshUser;
const login = process.getuid?.() === 0 ? 'root' : (process.env.USER ?? 'root');

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

beforeAll(async () => {
  c = await startCluster({
    clusterName: 'net.test',
    nodename: 'net-node',
    ssh: 'labels: {env: net}',
    authExtra: [
      'client_idle_timeout: 3s',
      'client_idle_timeout_message: "Closed for idling (from teleport.yaml)"',
      'keep_alive_interval: 1m',
      'keep_alive_count_max: 5',
    ].join('\n'),
  });
  await waitForNodes(c, ['net-node']);
  user = await loginUser(c, 'net-user', ['access'], [login]);
}, 60_000);
afterAll(async () => {
  await user?.cleanup();
  await c?.close();
});

/** `tsh ssh` to the node running a command that prints and then waits: its result and how long it ran. */
async function idleSession(): Promise<{ code: number; err: string; ms: number }> {
  const start = Date.now();
  const r = await user.tsh(['ssh', `${login}@net-node`, 'echo started; sleep 20']);
  return { code: r.code, err: r.err, ms: Date.now() - start };
}

it('auth_service networking keys set cluster_networking_config, shown by tctl get', async () => {
  const got = await tctl('get', 'cluster_networking_config');
  expect(got.code, got.err).toBe(0);
  expect(got.out).toContain('kind: cluster_networking_config');
  expect(got.out).toContain('name: cluster-networking-config');
  expect(got.out).toContain('teleport.dev/origin: config-file');
  expect(got.out).toMatch(/client_idle_timeout: 3s\n/);
  expect(got.out).toContain('idle_timeout_message: Closed for idling (from teleport.yaml)');
  expect(got.out).toMatch(/keep_alive_interval: 1m0s\n/);
  expect(got.out).toMatch(/keep_alive_count_max: 5\n/);
  expect(got.out).toMatch(/tunnel_strategy:\n\s+type: agent_mesh/);
});

it('the node closes an idle session at client_idle_timeout with the configured message', async () => {
  const r = await idleSession();
  expect(r.code).not.toBe(0);
  expect(r.err).toContain('Closed for idling (from teleport.yaml)');
  expect(r.ms).toBeLessThan(15_000);
}, 30_000);

it('tctl create -f changes it, audited, and the node applies the change to the next session', async () => {
  const file = join(c.dir, 'net.yaml');
  await writeFile(file, [
    'kind: cluster_networking_config',
    'version: v2',
    'metadata: {name: cluster-networking-config}',
    'spec:',
    '  client_idle_timeout: 2s',
    '  idle_timeout_message: "Changed with tctl"',
    '',
  ].join('\n'));
  const created = await tctl('create', '-f', file);
  expect(created.code, created.err).toBe(0);
  const got = await tctl('get', 'cluster_networking_config', '--format=json');
  const [cfg] = JSON.parse(got.out) as { spec: Record<string, unknown> }[];
  expect(cfg.spec).toMatchObject({ client_idle_timeout: '2s', idle_timeout_message: 'Changed with tctl', keep_alive_interval: '5m0s', keep_alive_count_max: 3 });
  const admin = await c.admin();
  const { events } = await admin.searchEvents({ from: new Date(Date.now() - 60_000).toISOString(), limit: 1000 });
  expect(events.some((e) => e.event === 'cluster_networking_config.update' && e.code === 'TCNET002I')).toBe(true);
  // The node's cache follows the watch: the next idle session gets the new message.
  const deadline = Date.now() + 10_000;
  let r = await idleSession();
  while (!r.err.includes('Changed with tctl') && Date.now() < deadline) r = await idleSession();
  expect(r.err).toContain('Changed with tctl');
}, 60_000);

it('refuses fields this release does not act on, naming them, and changes nothing', async () => {
  const file = join(c.dir, 'net-bad.yaml');
  await writeFile(file, ['kind: cluster_networking_config', 'version: v2', 'metadata: {name: cluster-networking-config}', 'spec:', '  routing_strategy: most_recent', ''].join('\n'));
  const r = await tctl('create', '-f', file);
  expect(r.code).not.toBe(0);
  expect(r.err).toContain('spec.routing_strategy is not supported by this release');
  await writeFile(file, ['kind: cluster_networking_config', 'version: v2', 'metadata: {name: cluster-networking-config}', 'spec:', '  tunnel_strategy: {type: proxy_peering}', ''].join('\n'));
  const peering = await tctl('create', '-f', file);
  expect(peering.code).not.toBe(0);
  expect(peering.err).toContain('only agent_mesh is available');
  const got = await tctl('get', 'cluster_networking_config', '--format=json');
  expect((JSON.parse(got.out) as { spec: Record<string, unknown> }[])[0].spec.idle_timeout_message).toBe('Changed with tctl');
});

it("max_connections holds across the cluster: a login past it is refused with Teleport's text, audited, and the slot comes back", async () => {
  // No idle timeout for this one; leases of a minute (session_control_timeout).
  const file = join(c.dir, 'net-lease.yaml');
  await writeFile(file, ['kind: cluster_networking_config', 'version: v2', 'metadata: {name: cluster-networking-config}', 'spec:', '  session_control_timeout: 1m', ''].join('\n'));
  expect((await tctl('create', '-f', file)).code).toBe(0);
  expect((await tctl('get', 'cluster_networking_config')).out).toMatch(/session_control_timeout: 1m0s\n/);
  const admin = await c.admin();
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'one-conn' }, spec: { options: { max_connections: 1 }, allow: { logins: [login], node_labels: { '*': '*' } } } });
  const limited = await loginUser(c, 'net-limited', ['access', 'one-conn'], [login]);
  try {
    const first = limited.tsh(['ssh', `${login}@net-node`, 'sleep 3; echo first done']);
    // Wait until the first session runs (its tracker is listed).
    const deadline = Date.now() + 10_000;
    while (!(await admin.listSessionTrackers<{ spec: { participants?: { user: string }[] } }>()).some((t) => t.spec.participants?.some((p) => p.user === 'net-limited'))) {
      if (Date.now() > deadline) throw new Error('the first session did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const second = await limited.tsh(['ssh', `${login}@net-node`, 'echo second']);
    expect(second.code).not.toBe(0);
    expect(second.out).not.toContain('second');
    expect(second.err).toContain('too many concurrent ssh connections for user "net-limited" (max=1)');
    const done = await first;
    expect(done.code, done.err).toBe(0);
    expect(done.out).toContain('first done');
    // The first connection gave its lease back when it closed.
    const third = await limited.tsh(['ssh', `${login}@net-node`, 'echo third']);
    expect(third.code, third.err).toBe(0);
    expect(third.out).toContain('third');
    const { events } = await admin.searchEvents({ from: new Date(Date.now() - 60_000).toISOString(), limit: 1000 });
    const rejected = events.find((e) => e.event === 'session.rejected');
    expect(rejected).toMatchObject({ code: 'T1006W', user: 'net-limited', reason: 'max_connections limit reached', maximum: 1 });
  } finally {
    await limited.cleanup();
  }
}, 60_000);
