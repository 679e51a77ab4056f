// One agent, two tunnel types, one tunnel: a host joined through the proxy (`proxy_server`) runs
// its SSH node (type node) and, registered by this test in the host's dial-handler registry, an
// echo service of kind `app` whose app_server heartbeat the host sends over the auth API through
// its tunnel. The cluster's own route core (the proxy's) resolves each target from its heartbeat
// and dials it through the same tunnel; a type nobody registered is refused by the agent; a host
// may heartbeat only servers naming itself.
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessDeniedError, NotFoundError } from '../src/api/errors.js';
import type { AgentServer, Node } from '../src/api/types/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import type { AgentLink } from '../src/service/index.js';
import { startCluster, startNode, type TestCluster, type TestNode } from './helpers/cluster.js';

/** Reads from `s` until `want` bytes arrived or the stream ends; bounded by `ms`. */
function readBytes(s: Duplex, want: number, ms = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => done(new Error(`only ${got} of ${want} bytes within ${ms} ms`)), ms);
    const onData = (b: Buffer) => {
      chunks.push(b);
      got += b.length;
      if (got >= want) done();
    };
    const done = (err?: Error) => {
      clearTimeout(timer);
      s.off('data', onData);
      s.pause();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    s.on('data', onData);
    s.resume();
    s.once('end', () => done(got >= want ? undefined : new Error(`stream ended after ${got} bytes`)));
  });
}

const appServer = (hostId: string, name: string): AgentServer => ({
  kind: 'app_server',
  version: 'v3',
  metadata: { name },
  spec: { host_id: hostId, hostname: 'edge', app: { kind: 'app', version: 'v3', metadata: { name }, spec: { uri: 'tcp://localhost:0' } } },
});

describe('an agent serving two tunnel types through one tunnel', () => {
  let c: TestCluster;
  let edge: TestNode;
  let link: AgentLink;

  beforeAll(async () => {
    c = await startCluster();
    edge = await startNode(c, { nodename: 'edge', viaProxy: true });
    link = await edge.process.agentLink()!;
    // The second service of this host: echoes, after a line naming what it was asked for.
    link.handlers.register('app', (req, peer) => (stream) => {
      stream.write(`${req.address} for ${peer.remoteAddress}\n`);
      stream.pipe(stream);
    });
    await link.client.heartbeatAgentServer('app_server', appServer(edge.process.hostId, 'echo'), 60_000);
  }, 60_000);
  afterAll(async () => {
    await edge?.close();
    await c?.close();
  });

  it('keeps one tunnel to the proxy and serves node and app on it', async () => {
    expect(edge.addr).toBe('');
    expect(link.pool.connectedProxies()).toEqual([c.process.hostId]);
    expect(link.handlers.types()).toEqual(['app', 'node']);
  });

  it('the proxy resolves the app from its heartbeat and reaches the echo service through the tunnel', async () => {
    const router = c.process.router!;
    const { target } = await router.resolve('app', (servers) => servers.find((s) => s.metadata.name === 'echo') ?? fail(new NotFoundError('no echo app')));
    expect(target).toMatchObject({ kind: 'app', name: 'echo', hostId: edge.process.hostId, useTunnel: true });
    const s = await router.dial(target, { clientAddr: '192.0.2.7:5555' });
    const hello = `echo for 192.0.2.7\n`;
    expect((await readBytes(s, hello.length)).toString()).toBe(hello);
    s.write('ping through the tunnel');
    expect((await readBytes(s, 23)).toString()).toBe('ping through the tunnel');
    s.destroy();
  });

  it('the same tunnel carries the SSH node', async () => {
    const router = c.process.router!;
    const { target } = await router.resolve('node', (nodes: Node[]) => nodes.find((n) => n.metadata.name === edge.process.hostId) ?? fail(new NotFoundError('no edge node')));
    expect(target).toMatchObject({ kind: 'node', useTunnel: true });
    const s = await router.dial(target);
    expect((await readBytes(s, 8)).subarray(0, 8).toString()).toBe('SSH-2.0-');
    s.destroy();
    expect(link.pool.connectedProxies()).toHaveLength(1);
  });

  it('a type the host does not serve is refused by the agent, named', async () => {
    const router = c.process.router!;
    const { target } = await router.resolve('app', (servers) => servers[0]);
    await expect(router.dial({ ...target, kind: 'db', name: 'orders' })).rejects.toThrow(/this agent serves no db service at orders/);
  });

  it('lists the app_server heartbeat to the administrator; a host may heartbeat only servers naming itself', async () => {
    const admin = await c.admin();
    const listed = await admin.listAgentServers<AgentServer>('app_server');
    expect(listed.map((s) => [s.metadata.name, s.spec.host_id])).toEqual([['echo', edge.process.hostId]]);
    expect(listed[0].metadata.expires).toBeDefined();
    await expect(link.client.heartbeatAgentServer('app_server', appServer('another-host', 'echo'), 60_000)).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(admin.listAgentServers('web_server')).rejects.toThrow(/unknown server kind "web_server"/);
  });

  it('tctl apps ls shows it in Teleport\'s table; db ls and kube ls are empty', async () => {
    const io = captureIO({ env: {}, cwd: c.dir });
    expect(await runTctl(['-c', c.configPath, 'apps', 'ls'], io.io), io.err()).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Host\s+Name\s+Public Address\s+URI\s+Labels\s+Version\s*$/);
    expect(lines[2]).toMatch(/^edge\s+echo\s+tcp:\/\/localhost:0\s*$/);
    const db = captureIO({ env: {}, cwd: c.dir });
    expect(await runTctl(['-c', c.configPath, 'db', 'ls'], db.io), db.err()).toBe(0);
    expect(db.out().trimEnd().split('\n')).toHaveLength(2);
  });
});

function fail(err: Error): never {
  throw err;
}
