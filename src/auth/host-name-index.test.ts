// The watch-fed index of host names refuses what the list-based check refuses (another host's UUID,
// qualified UUID or hostname, in any case), follows puts and deletes through the feed, ignores
// expired hosts, and answers from the lists until it has synced.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { AccessDeniedError } from '../api/errors.js';
import { MemoryBackend } from '../backend/index.js';
import { silentLogger } from '../log/index.js';
import { createServices, type Services } from '../services/index.js';
import { HostNameIndex } from './host-name-index.js';

const CLUSTER = 'names.test';
const node = (name: string, hostname: string, expires?: string) =>
  ({ kind: 'node', version: 'v2', metadata: { name, ...(expires && { expires }) }, spec: { hostname, addr: '10.0.0.2:3022' } }) as never;

/** Polls `check` until it stops throwing (the feed is asynchronous). */
async function eventually(check: () => Promise<void>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await check();
    } catch (err) {
      if (i > 200) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

const refused = async (index: HostNameIndex, hostId: string, name: string): Promise<void> => {
  const err = await index.checkNamesNotHeld(hostId, [name]).catch((e: unknown) => e);
  if (!(err instanceof AccessDeniedError)) throw new Error(`"${name}" was not refused`);
  expect(err.message).toMatch(/may not have ".*" in its certificate: it names the registered (node|proxy)/);
};

describe('HostNameIndex', () => {
  let services: Services;
  let clock: FakeClock;
  let index: HostNameIndex;
  beforeEach(async () => {
    clock = new FakeClock();
    services = createServices(new MemoryBackend({ clock }));
    await services.nodes.upsert(node('uuid-2', 'node2'));
    await services.proxies.upsert({ kind: 'proxy', version: 'v2', metadata: { name: 'uuid-p' }, spec: { hostname: 'proxy1' } } as never);
    index = new HostNameIndex({ services, clusterName: CLUSTER, logger: silentLogger, retryMs: 10 });
  });
  afterEach(() => index.close());

  it('refuses names other hosts hold, before and after it has synced', async () => {
    // The first call answers from the lists (and starts the feed).
    await refused(index, 'h1', 'node2');
    await eventually(async () => {
      for (const name of ['uuid-2', `uuid-2.${CLUSTER}`, 'NODE2', `node2.${CLUSTER.toUpperCase()}`, 'uuid-p', 'proxy1']) await refused(index, 'h1', name);
    });
    await index.checkNamesNotHeld('uuid-2', ['node2', 'uuid-2', `uuid-2.${CLUSTER}`]);
    await index.checkNamesNotHeld('h1', ['node1', 'localhost', '127.0.0.1', '::1']);
  });

  it('follows joins, renames and deletes', async () => {
    await index.checkNamesNotHeld('h1', ['node1']);
    await services.nodes.upsert(node('uuid-3', 'node3'));
    await eventually(() => refused(index, 'h1', 'node3'));
    await services.nodes.upsert(node('uuid-3', 'node3b'));
    await eventually(() => refused(index, 'h1', 'node3b'));
    await index.checkNamesNotHeld('h1', ['node3']);
    await services.nodes.delete('uuid-3');
    await eventually(() => index.checkNamesNotHeld('h1', ['node3b', 'uuid-3']));
  });

  it('ignores a host whose heartbeat has expired', async () => {
    await services.nodes.upsert(node('uuid-4', 'node4', new Date(clock.now() + 60_000).toISOString()));
    await index.checkNamesNotHeld('h1', ['node1']);
    await eventually(() => refused(index, 'h1', 'node4'));
    clock.advance(61_000);
    await index.checkNamesNotHeld('h1', ['node4']);
  });
});
