/**
 * Port forwarding on the node: `direct-tcpip` (ssh -L) dials from the node and pipes the channel;
 * `tcpip-forward` (ssh -R) listens on the node and opens a `forwarded-tcpip` channel to the client
 * for each connection. Both need the certificate's permit-port-forwarding, a role that allows it
 * and `port_forwarding` on in the node's config.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log/index.js';
import type { DirectTcpipRequest, SSHConnection, TcpipForwardRequest } from '../sshutils/index.js';
import type { NodeIdentity } from './authorize.js';

/** How long a direct-tcpip dial may take. */
export const DIAL_TIMEOUT_MS = 30_000;

/** Why port forwarding is refused for this identity, or undefined when it is allowed. */
export function portForwardRefusal(id: NodeIdentity, nodeAllows: boolean): string | undefined {
  if (id.joinOnly) return 'port forwarding attempted in join-only mode (the connection may only join sessions)';
  if (!nodeAllows) return 'port forwarding is disabled on this node';
  if (!id.permitPortForwarding) return 'the certificate does not permit port forwarding';
  if (!id.roles.canPortForward()) return `port forwarding not allowed by role set: ${id.roles.roleNames().join(',')}`;
  return undefined;
}

/** What port forwarding reports for the audit log (`addr` is the destination, or the listening address of a remote forward). */
export interface ForwardHooks {
  start(addr: string): void;
  stop(addr: string): void;
  fail(addr: string, error: string): void;
}

/** Serve one direct-tcpip request that was already authorized; `hooks` hear of the dial and the close. */
export function serveDirectTcpip(req: DirectTcpipRequest, logger: Logger, hooks?: ForwardHooks): void {
  const dest = `${req.destHost}:${req.destPort}`;
  // Half-open sockets let a peer that shut down its sending side still read the reply.
  const sock = connect({ host: req.destHost, port: req.destPort, allowHalfOpen: true });
  const timer = setTimeout(() => sock.destroy(new Error('dial timed out')), DIAL_TIMEOUT_MS);
  sock.once('error', (err) => {
    clearTimeout(timer);
    logger.info({ dest, err: err.message }, 'port forward dial failed');
    hooks?.fail(dest, err.message);
    req.reject();
  });
  sock.once('connect', () => {
    clearTimeout(timer);
    sock.removeAllListeners('error');
    sock.on('error', () => {});
    let ch: Duplex;
    try {
      ch = req.accept();
    } catch {
      sock.destroy();
      return;
    }
    hooks?.start(dest);
    sock.once('close', () => hooks?.stop(dest));
    pipeBoth(sock, ch);
  });
}

/** Join a socket and a channel both ways; either side closing closes the other. */
function pipeBoth(sock: Socket, ch: Duplex): void {
  sock.pipe(ch).pipe(sock);
  // Let what the channel delivered reach the socket before it goes.
  ch.on('close', () => (sock.writableLength > 0 ? sock.end() : sock.destroy()));
  sock.on('close', () => ch.destroy());
}

/** The remote forwards (`ssh -R`) of one connection. */
export class RemoteForwards {
  private readonly listeners = new Map<string, Server>();

  constructor(
    private readonly conn: SSHConnection,
    private readonly logger: Logger,
    private readonly hooks?: ForwardHooks,
  ) {
    conn.onClose(() => this.closeAll());
  }

  /** Handle an authorized tcpip-forward or cancel-tcpip-forward request. */
  async handle(req: TcpipForwardRequest): Promise<void> {
    // Keyed by the port actually bound: a cancel of a port-0 forward names the allocated port.
    const key = `${req.bindAddr}:${req.bindPort}`;
    if (req.kind === 'cancel') {
      const server = this.listeners.get(key);
      if (!server) return req.reject();
      this.listeners.delete(key);
      server.close();
      this.hooks?.stop(key);
      return req.accept();
    }
    if (this.listeners.has(key)) return req.reject();
    const server = createServer({ allowHalfOpen: true }, (sock) => this.forward(sock, req.bindAddr, server));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(req.bindPort, bindHost(req.bindAddr), () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.logger.info({ bind: key, err: (err as Error).message }, 'remote port forward listen failed');
      this.hooks?.fail(key, (err as Error).message);
      return req.reject();
    }
    server.on('error', (err) => this.logger.warn({ bind: key, err: err.message }, 'remote port forward listener error'));
    const bound = (server.address() as AddressInfo).port;
    this.listeners.set(`${req.bindAddr}:${bound}`, server);
    this.hooks?.start(`${req.bindAddr}:${bound}`);
    req.accept(bound);
  }

  private forward(sock: Socket, bindAddr: string, server: Server): void {
    sock.on('error', () => {});
    sock.pause();
    const boundPort = (server.address() as AddressInfo | null)?.port ?? 0;
    this.conn
      .openForwardedTcpip({ boundAddr: bindAddr, boundPort, originAddr: sock.remoteAddress ?? '', originPort: sock.remotePort ?? 0 })
      .then(
        (ch) => {
          pipeBoth(sock, ch);
          sock.resume();
        },
        (err: Error) => {
          this.logger.debug({ err: err.message }, 'forwarded-tcpip channel refused');
          sock.destroy();
        },
      );
  }

  private closeAll(): void {
    for (const [key, s] of this.listeners) {
      s.close();
      this.hooks?.stop(key);
    }
    this.listeners.clear();
  }
}

/** The address to listen on for a client's bind address (OpenSSH's GatewayPorts=clientspecified). */
function bindHost(addr: string): string {
  if (addr === '' || addr === '*') return '0.0.0.0';
  if (addr === 'localhost') return '127.0.0.1';
  return addr;
}
