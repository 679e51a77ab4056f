import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../api/errors.js';
import type { Node } from '../../api/types/index.js';
import { Router } from '../route/index.js';
import type { ProxySSHAccess } from './access.js';
import { dialTarget } from './target.js';

const node = (name: string, hostname: string, addr: string): Node =>
  ({ kind: 'node', version: 'v2', metadata: { name }, spec: { hostname, addr } }) as unknown as Node;

describe('dialTarget with a cached node list', () => {
  let server: Server;
  let addr = '';
  beforeAll(async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    addr = `127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const access = (cached: Node[], fresh?: Node[]): ProxySSHAccess & { freshCalls: () => number } => {
    let freshCalls = 0;
    const reads = {
      nodes: async () => cached,
      ...(fresh && {
        freshNodes: async () => {
          freshCalls++;
          return fresh;
        },
      }),
    };
    return { clusterName: 'c', freshCalls: () => freshCalls, userCAKeys: async () => [], authAddr: () => addr, router: new Router({ clusterName: 'c', reads }) };
  };

  it('asks for fresh nodes once when the target is not in the cache (a node that just joined)', async () => {
    const a = access([], [node('u1', 'new-node', addr)]);
    const d = await dialTarget(a, { host: 'new-node', port: '', cluster: '' });
    d.socket.destroy();
    expect(d.node).toBe('u1');
    expect(a.freshCalls()).toBe(1);
  });

  it('does not ask again when the cache has the target, and reports NotFound when neither has it', async () => {
    const a = access([node('u1', 'old-node', addr)], []);
    (await dialTarget(a, { host: 'old-node', port: '', cluster: '' })).socket.destroy();
    expect(a.freshCalls()).toBe(0);
    await expect(dialTarget(a, { host: 'ghost', port: '', cluster: '' })).rejects.toBeInstanceOf(NotFoundError);
    expect(a.freshCalls()).toBe(1);
  });
});
