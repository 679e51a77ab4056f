/**
 * A TLS-terminating relay in front of the stand-in for tests of what a relay sees: kubectl talks to
 * it (server certificate from the stand-in's CA), it talks to the API server with its own client
 * certificate, and for each connection answered with a 101 it hands the negotiated protocol and every
 * later byte of both directions to `onUpgrade`'s tap, as the kube service's recorder gets them.
 */
import { createServer, connect, type TLSSocket } from 'node:tls';
import type { KubeAPIServer } from './server.js';
import type { CertKey } from './pki.js';

/** Bytes of one upgraded connection, both ways. */
export interface UpgradeTap {
  fromClient(chunk: Buffer): void;
  fromServer(chunk: Buffer): void;
}

/** A running relay: its URL and close(). */
export interface UpgradeRelay {
  url: string;
  close(): Promise<void>;
}

function header(head: string, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*?)[ \\t]*$`, 'im').exec(head)?.[1];
}

/** Starts a relay to `api`, upstream as `upstream`; `onUpgrade(protocol)` returns the tap of that connection. */
export async function startUpgradeRelay(api: KubeAPIServer, upstream: CertKey, onUpgrade: (protocol: string) => UpgradeTap | undefined): Promise<UpgradeRelay> {
  const serving = await api.ca.issue({ commonName: 'relay', server: true });
  const sockets = new Set<TLSSocket>();
  const server = createServer({ cert: serving.certPem, key: serving.keyPem }, (client) => {
    const up = connect({ host: '127.0.0.1', port: api.port, ca: api.caPem, cert: upstream.certPem, key: upstream.keyPem, servername: 'localhost' });
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    let tap: UpgradeTap | undefined;
    let upgraded = false;
    // Before the upgrade the connection may have carried ordinary requests (kubectl reuses connections);
    // the client sends nothing after its upgrade request until the 101, so its earlier bytes are HTTP only.
    let serverBytes = Buffer.alloc(0);
    client.on('data', (d: Buffer) => {
      up.write(d);
      if (upgraded) tap?.fromClient(d);
    });
    up.on('data', (d: Buffer) => {
      client.write(d);
      if (upgraded) return tap?.fromServer(d);
      serverBytes = Buffer.concat([serverBytes, d]).subarray(-(1 << 20));
      const at = serverBytes.indexOf('HTTP/1.1 101 ');
      const end = at < 0 ? -1 : serverBytes.indexOf('\r\n\r\n', at);
      if (end < 0) return;
      const head = serverBytes.subarray(at, end).toString('latin1');
      upgraded = true;
      const upgrade = header(head, 'Upgrade') ?? '';
      const protocol = /^websocket$/i.test(upgrade) ? (header(head, 'Sec-WebSocket-Protocol') ?? '') : upgrade;
      tap = onUpgrade(protocol);
      const rest = serverBytes.subarray(end + 4);
      serverBytes = Buffer.alloc(0);
      if (rest.length > 0) tap?.fromServer(rest);
    });
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
