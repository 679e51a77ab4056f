// The route core on its own: the three dial paths (in-process agent, reverse tunnel with the
// kind as tunnel type, TCP to the heartbeat's address) for nodes and app servers, errors named
// by kind, and a target missing from the cache looked up once past it.
import { createServer, type Server } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionProblemError, NotFoundError } from '../../api/errors.js';
import type { AgentServer, Node } from '../../api/types/index.js';
import type { TunnelDialRequest } from '../../reversetunnel/index.js';
import { LocalAgents } from './local-agents.js';
import { Router } from './router.js';

const node = (name: string, spec: Partial<Node['spec']>): Node => ({ kind: 'node', version: 'v2', metadata: { name }, spec: { hostname: name, ...spec } });
const app = (name: string, hostId: string, spec: Partial<AgentServer['spec']> = {}): AgentServer => ({
  kind: 'app_server',
  version: 'v3',
  metadata: { name },
  spec: { host_id: hostId, hostname: hostId, ...spec },
});
const byName =
  <T extends { metadata: { name: string } }>(name: string) =>
  (all: T[]): T =>
    all.find((s) => s.metadata.name === name) ?? fail(new NotFoundError(`no ${name}`));

describe('Router', () => {
  let server: Server;
  let addr = '';
  beforeAll(async () => {
    server = createServer((s) => {
      s.on('error', () => {});
      s.end('tcp\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    addr = `127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const dials: TunnelDialRequest[] = [];
  const tunnels = {
    dial: async (req: TunnelDialRequest): Promise<Duplex> => {
      dials.push(req);
      return new PassThrough();
    },
  };

  it('dials an agent of this process in memory, with the target name and client', async () => {
    const local = new LocalAgents();
    const seen: unknown[] = [];
    const remove = local.register('node', 'n1', (req) => (seen.push(req), new PassThrough()));
    const router = new Router({ clusterName: 'c', reads: { nodes: async () => [node('n1', { addr: '127.0.0.1:1' })] }, local });
    const { target } = await router.resolve('node', byName('n1'));
    expect(await router.dial(target, { clientAddr: '10.0.0.9:4' })).toBeInstanceOf(PassThrough);
    expect(seen).toEqual([{ name: 'n1', clientAddr: '10.0.0.9:4' }]);
    remove();
    // Gone from this process: the heartbeat's address is dialed instead.
    await expect(router.dial(target)).rejects.toThrow(/failed connecting to node n1: failed to dial 127.0.0.1:1/);
  });

  it('dials through the reverse tunnel as <host>.<cluster>, the kind as tunnel type', async () => {
    const router = new Router({
      clusterName: 'c',
      reads: { nodes: async () => [node('n2', { use_tunnel: true })], agentServers: async (k) => (k === 'app_server' ? [app('grafana', 'h9')] : []) },
      tunnels: () => tunnels,
    });
    dials.length = 0;
    await router.dial((await router.resolve('node', byName('n2'))).target, { clientAddr: '10.0.0.9:4' });
    const { target } = await router.resolve('app', byName('grafana'));
    expect(target).toMatchObject({ kind: 'app', name: 'grafana', hostId: 'h9', useTunnel: true });
    await router.dial(target);
    expect(dials).toEqual([
      { serverId: 'n2.c', type: 'node', address: '@local-node', clientAddr: '10.0.0.9:4' },
      { serverId: 'h9.c', type: 'app', address: 'grafana' },
    ]);
  });

  it('dials a heartbeat address by TCP, and names the kind when a target cannot be reached', async () => {
    const router = new Router({ clusterName: 'c', reads: { nodes: async () => [], agentServers: async () => [app('api', 'h1', { addr }), app('edge', 'h2')] } });
    const s = await router.dial((await router.resolve('app', byName('api'))).target);
    s.destroy();
    const edge = (await router.resolve('app', byName('edge'))).target;
    await expect(router.dial(edge)).rejects.toBeInstanceOf(ConnectionProblemError);
    await expect(router.dial(edge)).rejects.toThrow('application "h2" is only reachable through a reverse tunnel, and this proxy runs no tunnel listener');
  });

  it('looks a missing target up once past the cache', async () => {
    let fresh = 0;
    const router = new Router({
      clusterName: 'c',
      reads: {
        nodes: async () => [],
        agentServers: async () => [],
        freshAgentServers: async () => (fresh++, [app('new', 'h3')]),
      },
    });
    expect((await router.resolve('app', byName('new'))).target.hostId).toBe('h3');
    await expect(router.resolve('app', byName('ghost'))).rejects.toBeInstanceOf(NotFoundError);
    expect(fresh).toBe(2);
    expect(await router.servers('db')).toEqual([]);
  });
});

function fail(err: Error): never {
  throw err;
}
