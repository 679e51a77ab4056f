// The forwarder against real sockets: a front server whose requests forwardRequest relays to an
// upstream app. A slow app gets a 504 page in time, a refusing one a 502; the JWT replaces a
// forged one; hop-by-hop headers stay on their hop; redirects are rewritten only for the app's hosts.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AppConfig } from '../config/index.js';
import { AppTransports, forwardRequest, rewriteLocation, type ForwardContext } from './forward.js';

const servers: Server[] = [];
const transports = new AppTransports();

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

function appConfig(port: number, extra: Partial<AppConfig> = {}): AppConfig {
  return { name: 'a', description: '', uri: `http://127.0.0.1:${port}`, insecureSkipVerify: false, labels: {}, rewrite: { redirect: [], headers: [] }, ...extra };
}

/** A front whose requests are forwarded to `app`; returns its port and the requests recorded. */
async function front(app: AppConfig, timeoutMs = 5_000): Promise<{ port: number; recorded: [string, string, number][] }> {
  const recorded: [string, string, number][] = [];
  const ctx: ForwardContext = {
    app,
    hello: { v: 1, app: 'a', user: 'u', roles: ['r'], traits: { logins: ['x', 'y'] }, session_id: 's', expires: new Date(Date.now() + 60_000).toISOString(), client_addr: '127.0.0.1:1', public_addr: 'a.example.com' },
    token: async () => 'the.jwt.token',
    record: (m, u, s) => recorded.push([m, u, s]),
    responseTimeoutMs: timeoutMs,
  };
  const port = await listen((req, res) => void forwardRequest(req, res, ctx, transports));
  return { port, recorded };
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});
afterAll(() => transports.close());

describe('forwardRequest', () => {
  it('answers 504 when the app does not answer in time, and 502 when it refuses connections', async () => {
    const slow = await listen(() => {});
    const f = await front(appConfig(slow), 300);
    const r = await get(f.port, '/x', { accept: 'application/json' });
    expect(r.status).toBe(504);
    expect(JSON.parse(r.body)).toEqual({ error: { message: 'app "a" did not answer within 0.3 s' } });
    expect(f.recorded).toEqual([['GET', '/x', 504]]);

    const refused = await front(appConfig(1));
    const d = await get(refused.port, '/', { accept: 'text/html' });
    expect(d.status).toBe(502);
    expect(d.headers['content-type']).toContain('text/html');
    expect(d.body).toContain('cannot be reached at http://127.0.0.1:1: ECONNREFUSED');
  });

  it('replaces a forged JWT, keeps hop-by-hop headers on their hop and applies header rewrites with traits', async () => {
    let seen: IncomingMessage['headers'] = {};
    const up = await listen((req, res) => {
      seen = req.headers;
      res.end('ok');
    });
    const f = await front(appConfig(up, { rewrite: { redirect: [], headers: [{ name: 'X-Logins', value: '{{internal.logins}}' }, { name: 'X-None', value: '{{external.missing}}' }] } }));
    const r = await get(f.port, '/p', { 'teleport-jwt-assertion': 'forged', connection: 'x-private', 'x-private': 'secret', 'x-none': 'client value' });
    expect(r.body).toBe('ok');
    expect(seen['teleport-jwt-assertion']).toBe('the.jwt.token');
    expect(seen['x-private']).toBeUndefined();
    expect(seen['x-logins']).toBe('x,y');
    // A rewrite whose trait is missing removes the header rather than passing the client's.
    expect(seen['x-none']).toBeUndefined();
    expect(seen.host).toBe(`127.0.0.1:${up}`);
  });
});

describe('rewriteLocation', () => {
  const app = appConfig(8080, { uri: 'https://internal.local:8443', rewrite: { redirect: ['login.internal'], headers: [] } });
  const target = new URL(app.uri);
  it.each([
    ['https://internal.local:8443/a?b=1#c', 'https://app.example.com:3080/a?b=1#c'],
    ['https://login.internal/x', 'https://app.example.com:3080/x'],
    ['https://elsewhere.example.org/x', 'https://elsewhere.example.org/x'],
    ['/relative', '/relative'],
  ])('%s -> %s', (from, to) => {
    expect(rewriteLocation(from, app, target, 'app.example.com:3080')).toBe(to);
  });
});
