// The listener front over real sockets: the web port with TLS+ALPN (HTTP/1.1, no ALPN, the
// reverse tunnel and proxy SSH names, an unknown name), plain HTTP on the TLS port, PostgreSQL
// from the real psql (SSLRequest and sslmode=disable) and GSSENCRequest, garbage, a slow first
// byte beside a normal client, PROXY headers, the plain (--insecure-no-tls) port, and the separate
// MySQL and Kubernetes listeners with the real mariadb and kubectl clients.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALPN, dialALPN } from '../../api/alpn.js';
import { PG_GSSENC_REQUEST } from './detect.js';
import { ProxyListener, type ProxyListenerOptions } from './listener.js';
import { ProtocolRegistry, type RoutedConnection } from './registry.js';

let dir: string;
let pair: { certPem: string; keyPem: string };
const listeners: ProxyListener[] = [];
let logs: Record<string, unknown>[] = [];
const logger = pino({ level: 'info' }, { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-mux-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  pair = { certPem: readFileSync(join(dir, 'c.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'k.pem'), 'utf8') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const l of listeners.splice(0)) await l.close();
  logs = [];
});

/** A registry whose web handler is an HTTP server answering `web <path>` and recording the peer. */
function webRegistry(seen: RoutedConnection[] = []): ProtocolRegistry {
  const registry = new ProtocolRegistry();
  const web = createHttpServer((req, res) => res.end(`web ${req.url ?? ''} from ${req.socket.remoteAddress ?? ''}`));
  registry.register('web', (stream, conn) => {
    seen.push(conn);
    web.emit('connection', stream);
  });
  return registry;
}

async function start(o: Partial<ProxyListenerOptions> & { registry: ProtocolRegistry }): Promise<number> {
  const l = new ProxyListener({ name: 'web_listen_addr', host: '127.0.0.1', port: 0, route: 'detect', tls: pair, logger, ...o });
  listeners.push(l);
  return (await l.start()).port;
}

function tls(port: number, alpn?: string[], servername = 'localhost'): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ...(alpn && { ALPNProtocols: alpn }) });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Everything the peer sends until it ends the connection. */
function readAll(s: Duplex): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => resolve(Buffer.concat(chunks)));
    s.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

function get(port: number, path: string, createConnection?: () => Duplex): Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, ...(createConnection && { createConnection: createConnection as never }) }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

function logged(msg: string): Record<string, unknown> | undefined {
  return logs.find((l) => typeof l.msg === 'string' && l.msg.includes(msg));
}

describe('web port with TLS', () => {
  it('routes http/1.1 and no ALPN to the web server, over TLS', async () => {
    const seen: RoutedConnection[] = [];
    const port = await start({ registry: webRegistry(seen) });
    for (const alpn of [[ALPN.http1], undefined, [ALPN.http2, ALPN.http1]]) {
      const s = await tls(port, alpn);
      expect(s.alpnProtocol || '').toBe(alpn ? ALPN.http1 : '');
      const res = await get(port, '/webapi/ping', () => s);
      expect(res.body).toBe('web /webapi/ping from 127.0.0.1');
    }
    expect(seen.map((c) => [c.protocol, c.transport, c.alpn])).toEqual([
      ['web', 'tls', 'http/1.1'],
      ['web', 'tls', undefined],
      ['web', 'tls', 'http/1.1'],
    ]);
  });

  it('routes teleport-reversetunnel and teleport-proxy-ssh to their handlers, bytes both ways', async () => {
    const registry = webRegistry();
    const got: string[] = [];
    for (const p of ['reversetunnel', 'proxy-ssh'] as const) {
      registry.register(p, (stream, conn) => {
        got.push(`${conn.protocol} ${conn.alpn ?? ''} ${conn.serverName ?? ''}`);
        stream.on('data', (c: Buffer) => stream.end(`${p} heard ${c.toString()}`));
      });
    }
    const port = await start({ registry });
    for (const protocol of [ALPN.reverseTunnel, ALPN.proxySSH]) {
      const s = await dialALPN({ host: '127.0.0.1', port, protocol, insecure: true, serverName: 'proxy.example' });
      s.write('SSH-2.0-test\r\n');
      expect((await readAll(s)).toString()).toBe(`${protocol === ALPN.reverseTunnel ? 'reversetunnel' : 'proxy-ssh'} heard SSH-2.0-test\r\n`);
    }
    expect(got).toEqual(['reversetunnel teleport-reversetunnel proxy.example', 'proxy-ssh teleport-proxy-ssh proxy.example']);
  });

  it('refuses an ALPN it does not serve in the handshake, and logs what was offered', async () => {
    const port = await start({ registry: webRegistry() });
    await expect(tls(port, ['imap', 'teleport-postgres-ping'])).rejects.toThrow(/no application protocol/);
    await expect(dialALPN({ host: '127.0.0.1', port, protocol: 'h2', insecure: true })).rejects.toThrow(/cannot reach h2 .*no application protocol/);
    expect(logged('asked for no protocol (ALPN) this proxy serves')).toMatchObject({ offered: ['imap', 'teleport-postgres-ping'], remote_addr: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    // The listener still serves others.
    expect((await get(port, '/x', () => tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }))).body).toBe('web /x from 127.0.0.1');
  });

  it('a protocol nobody registered is refused in its own words: teleport-postgres gets an ErrorResponse', async () => {
    const port = await start({ registry: webRegistry() });
    const s = await dialALPN({ host: '127.0.0.1', port, protocol: ALPN.postgres, insecure: true });
    s.write(pgStartup({ user: 'alice', database: 'db' }));
    const reply = await readAll(s);
    expect(reply[0]).toBe('E'.charCodeAt(0));
    expect(reply.toString('latin1')).toContain('SFATAL');
    expect(reply.toString('latin1')).toContain('Mdatabase access is not enabled on this proxy');
    expect(logged('no PostgreSQL handler')).toMatchObject({ protocol: 'postgres', listener: 'web_listen_addr', step: 'startup' });
  });

  it('psql against the web port gets the clear error: SSLRequest answered with TLS, and plain startup', async () => {
    const port = await start({ registry: webRegistry() });
    for (const sslmode of ['require', 'prefer', 'disable']) {
      const r = await run('psql', [`host=127.0.0.1 port=${port} user=alice dbname=postgres sslmode=${sslmode} connect_timeout=10`, '-c', 'select 1'], { PGGSSENCMODE: 'disable' });
      expect(r.code).not.toBe(0);
      expect(r.out).toContain('FATAL:  database access is not enabled on this proxy');
    }
  });

  it("answers a GSSENCRequest with 'N', then the SSLRequest and startup", async () => {
    const port = await start({ registry: webRegistry() });
    const s = netConnect(port, '127.0.0.1');
    s.write(PG_GSSENC_REQUEST);
    const first = await new Promise<Buffer>((r) => s.once('data', r));
    expect(first.toString()).toBe('N');
    s.write(pgStartup({ user: 'bob' }));
    expect((await readAll(s)).toString('latin1')).toContain('Mdatabase access is not enabled on this proxy');
  });

  it('plain HTTP on the TLS port: GET is redirected to https, POST gets a 400 saying so', async () => {
    const port = await start({ registry: webRegistry() });
    const r = await get(port, '/web/login');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`https://127.0.0.1:${port}/web/login`);
    const s = netConnect(port, '127.0.0.1');
    s.write('POST /webapi/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    const reply = (await readAll(s)).toString();
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(reply).toContain('Client sent an HTTP request to an HTTPS server.');
    expect(logged('plain HTTP on the TLS port: answered 400')).toBeDefined();
  });

  it('garbage ends that connection with its first bytes logged', async () => {
    const port = await start({ registry: webRegistry() });
    const s = netConnect(port, '127.0.0.1');
    s.write(Buffer.from('\x00\x01garbage!garbage!'));
    expect((await readAll(s)).length).toBe(0);
    expect(logged('unknown protocol')).toMatchObject({ first_bytes: Buffer.from('\x00\x01garbag').toString('hex') });
  });

  it('a slow first byte is dropped at the handshake timeout while other clients are served', async () => {
    const port = await start({ registry: webRegistry(), handshakeTimeoutMs: 300 });
    const slow = netConnect(port, '127.0.0.1');
    const slowEnded = readAll(slow);
    // A stalled TLS handshake too: the ClientHello's first record byte, then nothing.
    const stalled = netConnect(port, '127.0.0.1');
    stalled.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00]));
    const stalledEnded = readAll(stalled);
    const res = await get(port, '/meanwhile', () => tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }));
    expect(res.body).toBe('web /meanwhile from 127.0.0.1');
    await slowEnded;
    await stalledEnded;
    expect(logs.filter((l) => l.msg === 'connection ended: no protocol or TLS handshake within the handshake timeout')).toHaveLength(2);
  });

  it('PROXY headers: refused unless proxy_protocol is on, then the client they name is the peer', async () => {
    let port = await start({ registry: webRegistry() });
    let s = netConnect(port, '127.0.0.1');
    s.write('PROXY TCP4 203.0.113.7 10.0.0.1 40000 3080\r\nGET / HTTP/1.1\r\n\r\n');
    expect((await readAll(s)).length).toBe(0);
    expect(logged('unreadable first bytes')?.err).toMatch(/proxy_protocol is not "on"/);

    const seen: RoutedConnection[] = [];
    port = await start({ registry: webRegistry(seen), tls: undefined, proxyProtocol: 'on' });
    const res = await get(port, '/who', () => {
      s = netConnect(port, '127.0.0.1');
      s.write('PROXY TCP4 203.0.113.7 10.0.0.1 40000 3080\r\n');
      return s;
    });
    expect(res.body).toBe('web /who from 203.0.113.7');
    const v2 = Buffer.concat([
      Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c]),
      Buffer.from([198, 51, 100, 9, 10, 0, 0, 1, 0x9c, 0x41, 0x0c, 0x08]),
    ]);
    const res2 = await get(port, '/who2', () => {
      s = netConnect(port, '127.0.0.1');
      s.write(v2);
      return s;
    });
    expect(res2.body).toBe('web /who2 from 198.51.100.9');
    expect(seen.map((c) => `${c.remoteAddress}:${c.remotePort}`)).toEqual(['203.0.113.7:40000', '198.51.100.9:40001']);
  });
});

describe('web port without TLS (--insecure-no-tls behind a TLS-terminating balancer)', () => {
  it('serves plain HTTP and PostgreSQL, ends TLS with a log line', async () => {
    const seen: RoutedConnection[] = [];
    const port = await start({ registry: webRegistry(seen), tls: undefined, upgradeTLS: pair });
    expect((await get(port, '/webapi/ping')).body).toBe('web /webapi/ping from 127.0.0.1');
    expect(seen[0]).toMatchObject({ protocol: 'web', transport: 'plain' });
    await expect(tls(port)).rejects.toThrow();
    expect(logged('TLS on a listener without TLS')).toBeDefined();
    const r = await run('psql', [`host=127.0.0.1 port=${port} user=alice dbname=postgres sslmode=require connect_timeout=10`], { PGGSSENCMODE: 'disable' });
    expect(r.out).toContain('FATAL:  database access is not enabled on this proxy');
  });
});

describe('separate listeners', () => {
  it('postgres_listen_addr hands every connection to PostgreSQL', async () => {
    const port = await start({ name: 'postgres_listen_addr', route: 'postgres', tls: undefined, upgradeTLS: pair, registry: new ProtocolRegistry() });
    const r = await run('psql', [`host=127.0.0.1 port=${port} user=alice dbname=postgres sslmode=require connect_timeout=10`], { PGGSSENCMODE: 'disable' });
    expect(r.out).toContain('FATAL:  database access is not enabled on this proxy');
    expect(logged('no PostgreSQL handler')).toMatchObject({ listener: 'postgres_listen_addr' });
  });

  it('postgres_listen_addr reads a PROXY header when proxy_protocol is on, refuses one otherwise', async () => {
    const registry = new ProtocolRegistry();
    const seen: string[] = [];
    registry.register('postgres', (stream, conn) => {
      seen.push(`${conn.remoteAddress}:${conn.remotePort}`);
      stream.end('N');
    });
    const on = await start({ name: 'postgres_listen_addr', route: 'postgres', tls: undefined, upgradeTLS: pair, registry, proxyProtocol: 'on' });
    let s = netConnect(on, '127.0.0.1');
    s.write('PROXY TCP4 192.0.2.5 10.0.0.1 5555 5432\r\n');
    s.write(PG_GSSENC_REQUEST);
    expect((await readAll(s)).toString()).toBe('N');
    const off = await start({ name: 'postgres_listen_addr', route: 'postgres', tls: undefined, upgradeTLS: pair, registry });
    s = netConnect(off, '127.0.0.1');
    s.write('PROXY TCP4 192.0.2.5 10.0.0.1 5555 5432\r\n');
    expect((await readAll(s)).length).toBe(0);
    expect(seen).toEqual(['192.0.2.5:5555']);
    expect(logged('unreadable first bytes')).toMatchObject({ listener: 'postgres_listen_addr', err: expect.stringMatching(/proxy_protocol is not "on"/) });
  });

  it('mysql_listen_addr: the mariadb client prints the refusal; a registered handler takes over', async () => {
    const registry = new ProtocolRegistry();
    const port = await start({ name: 'mysql_listen_addr', route: 'mysql', tls: undefined, upgradeTLS: pair, registry });
    const r = await run('mariadb', ['-h', '127.0.0.1', '-P', String(port), '-u', 'alice', '--connect-timeout=10', '-e', 'select 1']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('database access is not enabled on this proxy');
    const served: string[] = [];
    registry.register('mysql', (stream, conn) => {
      served.push(conn.listener);
      stream.end();
    });
    const s = netConnect(port, '127.0.0.1');
    await readAll(s);
    expect(served).toEqual(['mysql_listen_addr']);
  });

  it('kube_listen_addr terminates TLS: kubectl prints the refusal', async () => {
    const port = await start({ name: 'kube_listen_addr', route: 'kube', registry: new ProtocolRegistry() });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:' + port + '", insecure-skip-tls-verify: true}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
        '',
      ].join('\n'),
    );
    const r = await run('kubectl', ['--kubeconfig', kubeconfig, 'get', 'pods', '--request-timeout=10s']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('Error from server (Forbidden): kubernetes access is not enabled on this proxy');
    // Also through the web port, by Teleport's SNI prefix.
    const web = await start({ registry: webRegistry() });
    const s = await tls(web, [ALPN.http2, ALPN.http1], 'kube-teleport-proxy-alpn.cluster.test');
    const res = await get(web, '/api', () => s);
    expect(res.status).toBe(403);
    expect(res.body).toBe('kubernetes access is not enabled on this proxy\n');
  });
});

/** A PostgreSQL StartupMessage (protocol 3.0). */
function pgStartup(params: Record<string, string>): Buffer {
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), ...Object.entries(params).map(([k, v]) => Buffer.from(`${k}\0${v}\0`)), Buffer.from([0])]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length + 4);
  return Buffer.concat([len, body]);
}


