// The transport against a real mutual-TLS server: a ConnectionPool carries a run of calls over one
// TLS connection (also over `dial` streams), a pooled connection the server drops while idle is
// replaced without the caller seeing it, and calls without a pool still get one connection each.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callStream, ConnectionPool, type TransportOptions } from './transport.js';

/** A CA, a server certificate for `localhost` and a client certificate, made with openssl. */
function makeCerts(): { ca: string; serverKey: string; serverCert: string; clientKey: string; clientCert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'transport-certs-'));
  const sh = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    sh(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-ca']);
    for (const [name, cn] of [['server', 'localhost'], ['client', 'alice']]) {
      sh(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
      const ext = join(dir, `${name}.ext`);
      execFileSync('sh', ['-c', `echo "subjectAltName=DNS:localhost" > ${ext}`]);
      sh(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', ext]);
    }
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { ca: read('ca.pem'), serverKey: read('server.key'), serverCert: read('server.pem'), clientKey: read('client.key'), clientCert: read('client.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let certs: ReturnType<typeof makeCerts>;
let server: Server;
let port: number;
/** TLS connections the server accepted, and requests per connection. */
let connections = 0;
const served = new WeakMap<TLSSocket, number>();
/** When set, the server drops a connection's second request unanswered (as a server closing an idle connection does). */
let dropSecond = false;

beforeAll(async () => {
  certs = makeCerts();
  server = createServer({ key: certs.serverKey, cert: certs.serverCert, ca: [certs.ca], requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const sock = req.socket as TLSSocket;
    const n = (served.get(sock) ?? 0) + 1;
    served.set(sock, n);
    if (dropSecond && n === 2) {
      sock.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ user: sock.getPeerX509Certificate()?.subject, n, got: Buffer.concat(chunks).length }));
    });
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function options(extra: Partial<TransportOptions> = {}): TransportOptions {
  const base: TransportOptions = {
    addr: `127.0.0.1:${port}`,
    serverName: 'localhost',
    credentials: { keyPem: certs.clientKey, certPem: certs.clientCert, caPems: [certs.ca] },
    ...extra,
  };
  return { ...base, pool: new ConnectionPool(base) };
}

describe('transport', () => {
  it('carries a run of calls over one pooled TLS connection, client certificate included', async () => {
    const t = options();
    const before = connections;
    for (let i = 1; i <= 5; i++) {
      const r = await call<{ user: string; n: number }>(t, 'GET', '/x');
      expect(r.body).toEqual({ user: 'CN=alice', n: i, got: 0 });
    }
    const res = await callStream(t, 'PUT', '/part', { data: [Buffer.alloc(100_000, 1), Buffer.alloc(5)], contentType: 'application/octet-stream' });
    let text = '';
    for await (const c of res) text += String(c);
    expect(JSON.parse(text)).toMatchObject({ n: 6, got: 100_005 });
    expect(connections - before).toBe(1);
    t.pool!.close();
    t.pool!.close();
  });

  it('replaces a pooled connection the server dropped while it sat idle', async () => {
    const t = options();
    const before = connections;
    dropSecond = true;
    try {
      expect((await call<{ n: number }>(t, 'GET', '/x')).body.n).toBe(1);
      // The second request on that connection is dropped unanswered: sent again on a new one.
      expect((await call<{ n: number }>(t, 'POST', '/x', { a: 1 })).body.n).toBe(1);
    } finally {
      dropSecond = false;
      t.pool!.close();
    }
    expect(connections - before).toBe(2);
  });

  it('dials once for a run of pooled calls over `dial` streams', async () => {
    let dials = 0;
    const t = options({
      addr: 'auth.example:3025',
      dial: async () => {
        dials++;
        return connect(port, '127.0.0.1');
      },
    });
    for (let i = 1; i <= 3; i++) expect((await call<{ n: number }>(t, 'GET', '/x')).body.n).toBe(i);
    expect(dials).toBe(1);
    t.pool!.close();
  });

  it('reports a failed dial as ConnectionProblemError', async () => {
    const t = options({ dial: () => Promise.reject(new Error('no route')) });
    await expect(call(t, 'GET', '/x')).rejects.toMatchObject({ code: 'connection_problem', message: 'cannot reach the auth server: no route' });
  });

  it('opens a connection per call without a pool', async () => {
    const { pool: _pool, ...t } = options();
    const before = connections;
    for (let i = 0; i < 3; i++) expect((await call<{ n: number }>(t, 'GET', '/x')).body.n).toBe(1);
    expect(connections - before).toBe(3);
  });
});
