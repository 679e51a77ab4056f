/**
 * Test fixtures for reverse tunnels: a host CA, proxy and agent host certificates as the auth
 * server issues them, tunnel servers on 127.0.0.1:0, agent pools, and a round-robin TCP load
 * balancer. Test-only; not exported from the folder.
 */
import type { KeyObject } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import { silentLogger, type Logger } from '../../log/index.js';
import { formatCertificate, generateKeyPair, publicKeyToBlob, signCertificate } from '../../sshca/index.js';
import { AgentPool, type AgentPoolOptions } from '../agent-pool.js';
import type { DialHandler } from '../agent.js';
import { TunnelServer, type TunnelServerOptions } from '../tunnel-server.js';

export const CLUSTER = 'tunnel.test';

/** A host CA that signs host certificates like the auth server's (role and authority extensions). */
export function hostCA() {
  const ca = generateKeyPair('ed25519');
  const blob = publicKeyToBlob(ca.publicKey);
  return {
    blob,
    /** A host key with a certificate for `hostId` in `role`. */
    host(hostId: string, role: string, cluster = CLUSTER): { key: KeyObject; cert: string } {
      const key = generateKeyPair('ed25519').privateKey;
      const cert = signCertificate({
        type: 'host',
        publicKey: key,
        keyId: `${hostId}.${cluster}`,
        principals: [`${hostId}.${cluster}`, hostId, 'localhost', '127.0.0.1'],
        validAfter: new Date(Date.now() - 60_000),
        validBefore: new Date(Date.now() + 3_600_000),
        extensions: { 'x-teleport-role': role, 'x-teleport-authority': cluster },
        caPrivateKey: ca.privateKey,
      });
      return { key, cert: formatCertificate(cert) };
    },
  };
}

export type HostCA = ReturnType<typeof hostCA>;

/** Starts a tunnel server for proxy `proxyId` on 127.0.0.1:0. */
export async function startTunnelServer(
  ca: HostCA,
  proxyId: string,
  extra: Partial<TunnelServerOptions> = {},
): Promise<{ server: TunnelServer; addr: string }> {
  const { key, cert } = ca.host(proxyId, 'Proxy');
  const server = new TunnelServer({
    host: '127.0.0.1',
    port: 0,
    hostKey: key,
    hostCert: cert,
    clusterName: CLUSTER,
    proxyId,
    hostCAKeys: async () => [ca.blob],
    proxies: async () => [proxyId],
    dialAuth: () => Promise.reject(new Error('no auth in this test')),
    logger: silentLogger,
    ...extra,
  });
  const a = await server.start();
  return { server, addr: `127.0.0.1:${a.port}` };
}

/** An agent pool for host `hostId` dialing `addr()`; `handler` defaults to echoing every dial. */
export function agentPool(ca: HostCA, hostId: string, addr: () => string, extra: Partial<AgentPoolOptions> = {}): AgentPool {
  const { key, cert } = ca.host(hostId, 'Node');
  return new AgentPool({
    serverId: `${hostId}.${CLUSTER}`,
    clusterName: CLUSTER,
    hostKey: key,
    hostCert: cert,
    hostCAKeys: () => [ca.blob],
    resolveAddr: async () => addr(),
    handler: echoHandler,
    backoff: { baseMs: 20, capMs: 200 },
    logger: silentLogger,
    ...extra,
  });
}

/** Echoes every dialed channel back. */
export const echoHandler: DialHandler = () => (stream: Duplex) => stream.pipe(stream);

/** Writes `text` to `stream` and collects what comes back until `want` bytes arrived. */
export function roundTrip(stream: Duplex, text: string, want = text.length): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    stream.on('data', (c: Buffer) => {
      got += c.toString();
      if (got.length >= want) resolve(got);
    });
    stream.once('error', reject);
    stream.write(text);
  });
}

/** Polls `check` every 20 ms until it returns true, for at most `ms`. */
export async function until(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP load balancer on 127.0.0.1:0 sending each new connection to the next backend in turn. */
export async function roundRobin(backends: () => string[]): Promise<{ addr: string; close(): Promise<void> }> {
  let next = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const list = backends();
    const [host, port] = list[next++ % list.length].split(':');
    const upstream = connect({ host, port: Number(port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    addr: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A debug-level logger that keeps every record (parsed) in `records`. */
export function capturingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug', base: null }, { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, records };
}
