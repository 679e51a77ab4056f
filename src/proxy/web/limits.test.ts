// connection_limits on the proxy's web listener: requests in flight and request rates per client
// IP, answered with 429 and a JSON error over the limit.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../api/clock.js';
import { ConnectionLimiter, type ConnectionLimits } from '../../limiter/index.js';
import { silentLogger } from '../../log/index.js';
import { ProxyWebServer } from './server.js';

describe('proxy web listener connection limits', () => {
  let server: ProxyWebServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(limits: Partial<ConnectionLimits>, clock = new FakeClock()): Promise<number> {
    const auth = { clusterName: 'example.com' } as never;
    const limiter = new ConnectionLimiter({ limits: { maxConnections: 0, maxUsers: 0, rates: [], ...limits }, clock });
    server = new ProxyWebServer({ host: '127.0.0.1', port: 0, auth, publicAddr: () => 'proxy.example.com:3080', limiter, clock, logger: silentLogger });
    return (await server.start()).port;
  }

  function get(port: number, path = '/webapi/version'): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      })
        .on('error', reject)
        .end();
    });
  }

  it('answers 429 past the rate of a client IP', async () => {
    const clock = new FakeClock();
    const port = await start({ rates: [{ period: 60_000, average: 1, burst: 2 }] }, clock);
    expect((await get(port)).status).toBe(200);
    expect((await get(port)).status).toBe(200);
    expect(await get(port)).toEqual({ status: 429, body: { error: { message: 'rate limit exceeded for 127.0.0.1' } } });
    clock.advance(60_000);
    expect((await get(port)).status).toBe(200);
  });

  it('answers 429 past max_connections requests in flight from a client IP', async () => {
    const port = await start({ maxConnections: 1 });
    // A request whose body has not arrived stays in flight.
    const held = request({ host: '127.0.0.1', port, method: 'POST', path: '/webapi/ssh/certs', agent: false, headers: { 'content-type': 'application/json', 'content-length': '100' } });
    held.on('error', () => {});
    held.write('{');
    await expect.poll(async () => (await get(port)).status).toBe(429);
    expect((await get(port)).body).toEqual({ error: { message: 'too many connections from 127.0.0.1: 1, max is 1' } });
    held.destroy();
    await expect.poll(async () => (await get(port)).status).toBe(200);
  });
});
