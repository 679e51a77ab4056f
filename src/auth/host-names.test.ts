// The names a host certificate may carry: the request's names are validated (no wildcards), names
// another registered node or proxy holds are refused (UUID, <uuid>.<cluster>, hostname, without
// case), the host's own and the loopback names are fine, and a renewal keeps the names it has.
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import type { HostCertsRequest } from '../api/auth-wire.js';
import { MemoryBackend } from '../backend/index.js';
import { createServices, type Services } from '../services/index.js';
import { checkNamesHeld, checkNamesNotHeld, requestedHostNames } from './host-names.js';

const CLUSTER = 'names.test';
const req = (over: Partial<HostCertsRequest>): HostCertsRequest => ({ host_id: 'h1', node_name: 'node1', role: 'Node', public_key: '', ...over });

describe('host certificate names', () => {
  let services: Services;
  beforeEach(async () => {
    services = createServices(new MemoryBackend({ clock: new FakeClock() }));
    await services.nodes.upsert({ kind: 'node', version: 'v2', metadata: { name: 'uuid-2' }, spec: { hostname: 'node2', addr: '10.0.0.2:3022' } } as never);
    await services.proxies.upsert({ kind: 'proxy', version: 'v2', metadata: { name: 'uuid-p' }, spec: { hostname: 'proxy1' } } as never);
  });

  it('lists the requested names and refuses what is not a host name', () => {
    expect(requestedHostNames(req({ additional_principals: ['a.example.com', '10.1.2.3'], dns_names: ['::1'] }))).toEqual(['node1', 'a.example.com', '10.1.2.3', '::1']);
    expect(requestedHostNames(req({ node_name: '' }))).toEqual([]);
    for (const bad of ['*', 'node?', '*.example.com', 'a b', '', 'x'.repeat(254)]) {
      expect(() => requestedHostNames(req({ additional_principals: [bad] })), bad).toThrow(BadParameterError);
    }
    expect(() => requestedHostNames(req({ additional_principals: 'node2' as never }))).toThrow(/must be a list/);
    expect(() => requestedHostNames(req({ node_name: 7 as never }))).toThrow(/node_name/);
  });

  it("refuses another registered host's UUID, qualified UUID or hostname, in any case", async () => {
    for (const name of ['uuid-2', `uuid-2.${CLUSTER}`, 'node2', `NODE2.${CLUSTER.toUpperCase()}`, 'uuid-p', 'proxy1']) {
      const err = await checkNamesNotHeld(services, CLUSTER, 'h1', ['node1', name]).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(AccessDeniedError);
      expect((err as Error).message).toMatch(/may not have ".*" in its certificate: it names the registered (node|proxy)/);
    }
  });

  it("accepts the host's own names, names nobody holds and loopback names", async () => {
    await checkNamesNotHeld(services, CLUSTER, 'uuid-2', ['node2', 'uuid-2', `uuid-2.${CLUSTER}`]);
    await checkNamesNotHeld(services, CLUSTER, 'h1', ['node1', 'localhost', '127.0.0.1', '::1', 'node3.example.com']);
  });

  it('keeps a renewal to the names of the certificate the host has', () => {
    checkNamesHeld('h1', ['node1', 'Node1.example.com'], ['node1', 'node1.example.com', 'localhost']);
    expect(() => checkNamesHeld('h1', ['node1', 'node2'], ['node1'])).toThrow(/may not add "node2" to its certificate/);
  });
});
