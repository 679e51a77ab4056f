// dialApp against a real TLS server standing in for the proxy's web port: it sees the app's public
// address as SNI, the ALPN name of the app's kind and the app certificate; the proxy's certificate
// is checked against the proxy's own name, and a proxy that refuses `teleport-tcp` is an error.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { generateCA, identityFromCertificate, issueCertificate } from '../tlsca/index.js';
import { dialApp } from './app-proxy.js';

const clock = new FakeClock(Date.now());
const expires = new Date(Date.now() + 3600_000);
let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function pki() {
  const hostCA = await generateCA({ clusterName: 'example.test', type: 'host', clock });
  const userCA = await generateCA({ clusterName: 'example.test', type: 'user', clock });
  const proxyKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const proxyCert = await issueCertificate({
    caCertPem: hostCA.certPem,
    caKeyPem: hostCA.keyPem,
    publicKey: proxyKey.publicKey,
    identity: { username: 'proxy', groups: ['Proxy'], expires },
    dnsNames: ['localhost'],
    clock,
  });
  const userKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const appCert = await issueCertificate({
    caCertPem: userCA.certPem,
    caKeyPem: userCA.keyPem,
    publicKey: userKey.publicKey,
    identity: { username: 'alice', groups: ['access'], expires, routeToApp: { sessionId: 's1', publicAddr: 'dashboard.localhost', clusterName: 'example.test', name: 'dashboard' } },
    keyUsage: 'client',
    clock,
  });
  return {
    hostCA,
    userCA,
    proxy: { cert: proxyCert, key: proxyKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    app: { certPem: appCert, keyPem: userKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
  };
}

/** A TLS server like the proxy's web port; `seen` gets SNI, ALPN and the client certificate's app route. */
async function fakeProxy(p: Awaited<ReturnType<typeof pki>>, protocols: string[]): Promise<{ port: number; seen: Promise<{ sni: string; alpn: string; app?: string; data: string }> }> {
  let report!: (v: { sni: string; alpn: string; app?: string; data: string }) => void;
  const seen = new Promise<{ sni: string; alpn: string; app?: string; data: string }>((r) => (report = r));
  server = createServer({ cert: p.proxy.cert, key: p.proxy.key, requestCert: true, rejectUnauthorized: false, ALPNProtocols: protocols }, (s: TLSSocket) => {
    s.once('data', (d: Buffer) => {
      const peer = s.getPeerX509Certificate();
      const ok = peer?.verify(new X509Certificate(p.userCA.certPem).publicKey) === true;
      report({ sni: (s as unknown as { servername: string }).servername, alpn: String(s.alpnProtocol), ...(ok && peer && { app: identityFromCertificate(peer.toString()).routeToApp?.name }), data: d.toString() });
      s.end('pong');
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server!.address() as AddressInfo).port, seen };
}

describe('dialApp', () => {
  it('presents the app certificate with SNI = the public address and ALPN teleport-tcp for TCP apps', async () => {
    const p = await pki();
    const proxy = await fakeProxy(p, ['http/1.1', 'teleport-tcp']);
    const sock = await dialApp({ proxyHost: 'localhost', proxyPort: proxy.port, publicAddr: 'dashboard.localhost', tcp: true, ...p.app, caPems: [p.hostCA.certPem], insecure: false });
    sock.write('ping');
    expect(await proxy.seen).toEqual({ sni: 'dashboard.localhost', alpn: 'teleport-tcp', app: 'dashboard', data: 'ping' });
    const answer = await new Promise<string>((resolve) => sock.once('data', (d: Buffer) => resolve(d.toString())));
    expect(answer).toBe('pong');
    sock.destroy();
  });

  it('asks for http/1.1 for HTTP apps', async () => {
    const p = await pki();
    const proxy = await fakeProxy(p, ['http/1.1']);
    const sock = await dialApp({ proxyHost: 'localhost', proxyPort: proxy.port, publicAddr: 'dashboard.localhost', tcp: false, ...p.app, caPems: [p.hostCA.certPem], insecure: false });
    sock.write('GET / HTTP/1.1\r\n\r\n');
    expect((await proxy.seen).alpn).toBe('http/1.1');
    sock.destroy();
  });

  it('checks the proxy certificate against the proxy name and CA, unless insecure', async () => {
    const p = await pki();
    const proxy = await fakeProxy(p, ['http/1.1']);
    const other = await generateCA({ clusterName: 'other.test', type: 'host', clock });
    await expect(dialApp({ proxyHost: 'localhost', proxyPort: proxy.port, publicAddr: 'dashboard.localhost', tcp: false, ...p.app, caPems: [other.certPem], insecure: false })).rejects.toThrow(/cannot reach app dashboard.localhost through the proxy at localhost:\d+/);
    // The certificate names localhost, not 127.0.0.1.
    await expect(dialApp({ proxyHost: '127.0.0.1', proxyPort: proxy.port, publicAddr: 'dashboard.localhost', tcp: false, ...p.app, caPems: [p.hostCA.certPem], insecure: false })).rejects.toThrow(/IP: 127.0.0.1 is not in the cert's list/);
    const sock = await dialApp({ proxyHost: '127.0.0.1', proxyPort: proxy.port, publicAddr: 'dashboard.localhost', tcp: false, ...p.app, caPems: [other.certPem], insecure: true });
    sock.destroy();
  });

  it('fails when the proxy does not serve TCP apps', async () => {
    const p = await pki();
    const proxy = await fakeProxy(p, ['http/1.1']);
    await expect(dialApp({ proxyHost: 'localhost', proxyPort: proxy.port, publicAddr: 'pg.localhost', tcp: true, ...p.app, caPems: [p.hostCA.certPem], insecure: false })).rejects.toThrow(/cannot reach app pg.localhost/);
  });
});
