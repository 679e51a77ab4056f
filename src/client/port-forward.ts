/**
 * The local listeners of `tsh ssh -L` and `-D`: each accepted TCP connection is carried to its
 * destination over the SSH connection (a direct-tcpip channel from the node), and `-R`'s
 * connections arrive the other way and are carried to a local destination.
 */
import { createServer, connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConnectionProblemError } from '../api/errors.js';
import { relayStreams } from './relay-streams.js';
import { serveSocks5 } from './socks5.js';

/** A running local listener; `close` stops it and drops its connections, safe to call twice. */
export interface LocalListener {
  address: AddressInfo;
  close(): Promise<void>;
}

/** Opens the far end of a forwarded connection (for example SSHClient.forwardOut). */
export type Dialer = (host: string, port: number) => Promise<Duplex>;

async function listen(host: string, port: number, onConnection: (s: Socket) => void): Promise<LocalListener> {
  const conns = new Set<Socket>();
  // Half-open: a client that is done sending still gets the rest of the answer.
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    onConnection(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new ConnectionProblemError(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err })),
    );
    server.listen(port, host, () => resolve());
  });
  server.on('error', () => {});
  let closing: Promise<void> | undefined;
  return {
    address: server.address() as AddressInfo,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of conns) c.destroy();
      })),
  };
}

/** `-L`: connections to `bindHost:bindPort` go to `destHost:destPort` as the node sees it. */
export function startLocalForward(
  opts: { bindHost: string; bindPort: number; destHost: string; destPort: number },
  dial: Dialer,
  onError: (err: unknown) => void = () => {},
): Promise<LocalListener> {
  return listen(opts.bindHost, opts.bindPort, (sock) => {
    sock.pause();
    sock.on('error', () => {});
    dial(opts.destHost, opts.destPort).then(
      (remote) => relayStreams(sock, remote),
      (err: unknown) => {
        onError(err);
        sock.destroy();
      },
    );
  });
}

/** `-D`: a SOCKS5 proxy on `bindHost:bindPort` whose CONNECTs are made from the node. */
export function startDynamicForward(opts: { bindHost: string; bindPort: number }, dial: Dialer): Promise<LocalListener> {
  return listen(opts.bindHost, opts.bindPort, (sock) => void serveSocks5(sock, dial));
}

/** `-R`'s local end: carry one forwarded connection to `destHost:destPort` on this machine. */
export function connectLocal(stream: Duplex, destHost: string, destPort: number, onError: (err: unknown) => void = () => {}): void {
  const sock = netConnect({ port: destPort, host: destHost, allowHalfOpen: true });
  let connected = false;
  stream.pause();
  sock.once('connect', () => {
    connected = true;
    relayStreams(stream, sock);
  });
  sock.once('error', (err) => {
    if (connected) return;
    onError(new ConnectionProblemError(`remote forward: cannot connect to ${destHost}:${destPort}: ${err.message}`, { cause: err }));
    stream.destroy();
  });
}
