/**
 * Who serves each protocol the proxy's listeners accept. The web server, the reverse tunnel server
 * and the proxy's SSH server register themselves at start-up; the database, Kubernetes and
 * application proxies add a handler here when they land, and the listeners need no edit. A
 * protocol nobody registered is answered by its refusal (refusals.ts), never left hanging.
 */
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { RoutedProtocol } from '../../api/alpn.js';
import { AlreadyExistsError } from '../../api/errors.js';

/** What a handler learns about a routed connection. */
export interface RoutedConnection {
  protocol: RoutedProtocol;
  /** 'tls': the listener terminated TLS and the stream is the TLS socket; 'plain': the bytes as sent. */
  transport: 'tls' | 'plain';
  /** The ALPN protocol agreed, when TLS was terminated with one. */
  alpn?: string;
  /** The SNI the client sent, when TLS was terminated. */
  serverName?: string;
  /** The client (from a PROXY protocol header when `proxy_protocol: on` and one was sent). */
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  /** The listener that accepted it, for logs: `web_listen_addr`, `postgres_listen_addr`, ... */
  listener: string;
  /**
   * Starts TLS as the server on `stream` with the proxy's certificate, for protocols that upgrade
   * in-band (PostgreSQL's SSLRequest, MySQL's SSL request). Rejects when the handshake fails.
   * `requestCert`: ask for the client's certificate (the handler verifies it; none is refused here).
   */
  startTLS(stream: Duplex, opts?: { requestCert?: boolean }): Promise<TLSSocket>;
}

/** Takes over a routed connection: owns the stream from then on (ends it when done). */
export type ProtocolHandler = (stream: Duplex, conn: RoutedConnection) => void;

/** Handlers keyed by protocol; one per protocol. */
export class ProtocolRegistry {
  private readonly handlers = new Map<RoutedProtocol, ProtocolHandler>();

  /** Registers `handler`; returns its removal. Throws AlreadyExistsError when one is registered. */
  register(protocol: RoutedProtocol, handler: ProtocolHandler): () => void {
    if (this.handlers.has(protocol)) throw new AlreadyExistsError(`a handler for ${protocol} is already registered`);
    this.handlers.set(protocol, handler);
    return () => {
      if (this.handlers.get(protocol) === handler) this.handlers.delete(protocol);
    };
  }

  /** The handler of `protocol`, if one is registered. */
  get(protocol: RoutedProtocol): ProtocolHandler | undefined {
    return this.handlers.get(protocol);
  }

  /** The protocols with a handler, sorted. */
  protocols(): RoutedProtocol[] {
    return [...this.handlers.keys()].sort();
  }
}
