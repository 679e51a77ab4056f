/**
 * How the proxy's services are reached besides their own ports: the registry the web port routes
 * with (src/proxy/mux) gets the reverse tunnel server and the proxy SSH server, and the separate
 * protocol listeners (`postgres_listen_addr`, `mysql_listen_addr`, `kube_listen_addr`) hand each
 * connection to the handler registered for their protocol (its refusal until one is).
 */
import type { Duplex } from 'node:stream';
import type { KeyPairPem, ProtocolRegistry, RoutedConnection } from '../proxy/mux/index.js';
import { ProxyListener } from '../proxy/mux/index.js';
import type { RoutedProtocol } from '../api/alpn.js';
import type { NetAddr, TeleportConfig } from '../config/index.js';
import { tlsServerOptions } from '../httpserver/index.js';
import type { Logger } from '../log/index.js';
import type { PeerAddress } from '../sshutils/index.js';
import type { ProcessAddresses } from './service.js';

/** Something that serves a connection that arrived on another listener (an SSH server). */
export interface ConnectionServer {
  serveConnection(stream: Duplex, peer: PeerAddress): void;
}

/** Routes `protocol` on the web port to `server`; returns the removal. */
export function routeTo(registry: ProtocolRegistry, protocol: RoutedProtocol, server: ConnectionServer): () => void {
  return registry.register(protocol, (stream, conn) => server.serveConnection(stream, peerOf(conn)));
}

function peerOf(conn: RoutedConnection): PeerAddress {
  return { remoteAddress: conn.remoteAddress, remotePort: conn.remotePort, localAddress: conn.localAddress, localPort: conn.localPort };
}

/** The separate protocol listeners a config asks for, started; close each when done. */
export interface ProtocolListeners {
  listeners: ProxyListener[];
  addresses: Pick<ProcessAddresses, 'proxyPostgres' | 'proxyMySQL' | 'proxyKube'>;
}

/**
 * Starts the listeners of `postgres_listen_addr` (PostgreSQL, its SSLRequest upgraded with `tls`),
 * `mysql_listen_addr` (MySQL, the server speaks first) and `kube_listen_addr` (TLS terminated with
 * `tls`, then Kubernetes' HTTPS). `proxy_protocol` applies to the PostgreSQL and Kubernetes ones
 * (whose clients speak first). Rejects with BadParameterError naming the key that cannot bind;
 * the ones started before are closed.
 */
export async function startProtocolListeners(o: { config: TeleportConfig; registry: ProtocolRegistry; tls: KeyPairPem; logger: Logger }): Promise<ProtocolListeners> {
  const p = o.config.proxy;
  const wanted: [string, NetAddr | undefined, RoutedProtocol, keyof ProtocolListeners['addresses']][] = [
    ['postgres_listen_addr', p.postgresListenAddr, 'postgres', 'proxyPostgres'],
    ['mysql_listen_addr', p.mysqlListenAddr, 'mysql', 'proxyMySQL'],
    ['kube_listen_addr', p.kubeListenAddr, 'kube', 'proxyKube'],
  ];
  const out: ProtocolListeners = { listeners: [], addresses: {} };
  try {
    for (const [name, addr, route, key] of wanted) {
      if (!addr) continue;
      const listener = new ProxyListener({
        name,
        host: addr.host,
        port: addr.port,
        route,
        // Kubernetes clients speak TLS from the first byte; PostgreSQL and MySQL upgrade in-band.
        ...(route === 'kube' ? { tls: o.tls } : { upgradeTLS: o.tls }),
        tlsOptions: tlsServerOptions(o.config.teleport.cipherSuites),
        registry: o.registry,
        ...(o.config.proxy.proxyProtocol && { proxyProtocol: o.config.proxy.proxyProtocol }),
        logger: o.logger,
      });
      out.addresses[key] = await listener.start();
      out.listeners.push(listener);
    }
    return out;
  } catch (err) {
    for (const l of out.listeners) await l.close();
    throw err;
  }
}
