/**
 * An SSH server on ssh2 that callers drive with promises: publickey auth (plain keys and OpenSSH
 * certificates) decided by `authenticate`, sessions as SSHSession, direct-tcpip as Duplex streams.
 */
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Connection } from 'ssh2';
import { BadParameterError } from '../api/errors.js';
import { bindListener } from '../handover/index.js';
import { admitConnection } from './admission.js';
import { ssh2Algorithms } from './algorithms.js';
import { handleConnection } from './connection.js';
import type { SSHServerOptions } from './server-options.js';
import { toSSH2Key } from './ssh2-key.js';
import { ssh2 } from './ssh2-module.js';

/** Default of `handshakeTimeoutMs`: 30 s from TCP connect to a successful login. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

/** Where a connection handed to `serveConnection` comes from (the client behind a tunnel). */
export interface PeerAddress {
  remoteAddress: string;
  remotePort: number;
  localAddress?: string;
  localPort?: number;
}

/** A running server; `close` stops listening and drops connections, safe to call twice. */
export interface SSHServer {
  /** The bound address; address '' and port 0 for a server started with `listen: false`. */
  address: AddressInfo;
  /**
   * Serve an already-connected byte stream (e.g. a reverse tunnel channel) as one more client
   * connection, with the same authentication, handlers and handshake timeout as accepted sockets.
   * `peer` stands in for the socket addresses the stream lacks. Destroys `stream` once closed.
   */
  serveConnection(stream: Duplex, peer: PeerAddress): void;
  close(): Promise<void>;
}

/**
 * Listen on `host:port` and serve until closed. Throws BadParameterError for an unusable host key
 * or certificate. Malformed traffic only ever ends its own connection.
 */
export async function startSSHServer(opts: SSHServerOptions): Promise<SSHServer> {
  const log = opts.logger.child({ component: 'ssh:server' });
  const plain = toSSH2Key(opts.hostKey);
  const hostKeys: { key: unknown }[] = [];
  if (opts.hostCert !== undefined) {
    const certified = toSSH2Key(opts.hostKey, opts.hostCert);
    if (certified.cert?.type !== 'host') throw new BadParameterError('hostCert must be a host certificate');
    hostKeys.push({ key: certified.key });
  }
  hostKeys.push({ key: plain.key });
  const conns = new Set<Connection>();
  const loggedIn = new WeakSet<object>();
  const server = new (ssh2().Server)(
    { hostKeys: hostKeys as never, ident: opts.ident ?? 'Teleport', algorithms: ssh2Algorithms(opts.algorithms) },
    (client) => {
      conns.add(client);
      const refusal = admitConnection(client, opts.limiter, log);
      handleConnection(client, opts, log, (sock) => {
        if (typeof sock === 'object' && sock !== null) loggedIn.add(sock);
      }, refusal);
      client.on('close', () => conns.delete(client));
    },
  );
  // ssh2 hands a connection over only once the client's version line arrived, so the raw
  // sockets are watched here: until login succeeds a client has a fixed time, and garbage or a
  // stalled peer is dropped when it runs out.
  const sockets = new Set<Socket>();
  const handshakeMs = opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  (server as unknown as { _srv: NetServer })._srv.on('connection', (sock: Socket) => {
    sockets.add(sock);
    // Nagle would hold the tail of every reply until the client's delayed ACK (40 ms): an SFTP
    // read or write answered in two segments waited that long each (Go, hence Teleport, sets
    // TCP_NODELAY on every connection). In-process streams handed over by a dialer have no such call.
    if (typeof sock.setNoDelay === 'function') sock.setNoDelay(true);
    const timer = setTimeout(() => {
      if (loggedIn.has(sock)) return;
      log.info({ remote_addr: sock.remoteAddress }, 'ssh handshake timed out');
      sock.destroy();
    }, handshakeMs);
    timer.unref();
    sock.once('close', () => {
      clearTimeout(timer);
      sockets.delete(sock);
    });
  });
  server.on('error', (err: Error) => log.warn({ err: err.message }, 'ssh server error'));
  const listening = opts.listen !== false;
  if (listening) {
    // ssh2's listen() only forwards to its net server: bind that one (a handed-over socket at reload).
    await bindListener((server as unknown as { _srv: NetServer })._srv, opts.host, opts.port, opts.handover ?? 'drain');
  }
  const address: AddressInfo = listening ? (server.address() as AddressInfo) : { address: '', family: '', port: 0 };
  let closed: Promise<void> | undefined;
  return {
    address,
    serveConnection(stream, peer) {
      if (closed) {
        stream.destroy();
        return;
      }
      // ssh2 and the handlers read these from a socket; a channel has none of its own (and a
      // socket's own are getters, hence defineProperty).
      const fields = { remoteAddress: peer.remoteAddress, remotePort: peer.remotePort, localAddress: peer.localAddress ?? '', localPort: peer.localPort ?? 0 };
      for (const [k, v] of Object.entries(fields)) Object.defineProperty(stream, k, { value: v, configurable: true });
      stream.on('error', () => {});
      server.injectSocket(stream as Socket);
      // Counted after ssh2 attached (it pauses the stream first), so no byte is taken from it.
      let read = 0;
      stream.on('data', (chunk: Buffer) => (read += chunk.length));
      Object.defineProperty(stream, 'bytesRead', { get: () => read, configurable: true });
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        if (listening) server.close(() => resolve());
        else resolve();
        for (const c of conns) c.end();
        // Clients still before or in the handshake have nothing to be told.
        for (const sock of sockets) if (!loggedIn.has(sock)) sock.destroy();
      });
      return closed;
    },
  };
}
