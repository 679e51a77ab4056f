/**
 * Remote port forwarding as the server sees it (RFC 4254 §7.1): `tcpip-forward` and
 * `cancel-tcpip-forward` global requests handed to the caller, and `forwarded-tcpip` channels the
 * caller opens back to the client for each connection it accepts on the forwarded port.
 */
import type { Duplex } from 'node:stream';
import type { Connection, ServerChannel } from 'ssh2';
import { ConnectionProblemError } from '../api/errors.js';
import type { SSHConnection } from './server.js';

/** A `tcpip-forward` (the client's `-R`) or `cancel-tcpip-forward` global request. */
export interface TcpipForwardRequest {
  conn: SSHConnection;
  /** `forward` asks the server to listen; `cancel` asks it to stop. */
  kind: 'forward' | 'cancel';
  /** The address to bind as the client wrote it (`''`, `localhost`, `0.0.0.0`, `*`, an IP). */
  bindAddr: string;
  /** 0 asks the server to pick a port (reported back through `accept`). */
  bindPort: number;
  /** Say yes; for `forward` with bindPort 0, pass the port actually bound. Safe to call twice. */
  accept(boundPort?: number): void;
  /** Say no. Safe to call twice. */
  reject(): void;
}

/** Where a forwarded connection came from and which forward it arrived on. */
export interface ForwardedTcpipInfo {
  /** The bind address and port of the accepted `tcpip-forward`, exactly as the client asked. */
  boundAddr: string;
  boundPort: number;
  /** The peer that connected to the forwarded port. */
  originAddr: string;
  originPort: number;
}

/** Wrap an ssh2 global request (internal to this folder). */
export function wrapForwardRequest(
  conn: SSHConnection,
  name: 'tcpip-forward' | 'cancel-tcpip-forward',
  info: { bindAddr: string; bindPort: number },
  accept: ((port?: number) => void) | undefined,
  reject: (() => void) | undefined,
): TcpipForwardRequest {
  return {
    conn,
    kind: name === 'tcpip-forward' ? 'forward' : 'cancel',
    bindAddr: info.bindAddr,
    bindPort: info.bindPort,
    // A request sent without want-reply has neither: the answer is then silent.
    accept: (port) => accept?.(port),
    reject: () => reject?.(),
  };
}

/**
 * Open a `forwarded-tcpip` channel to the client. Rejects with ConnectionProblemError when the
 * client refuses it or the connection is gone.
 */
export function openForwardedTcpip(client: Connection, info: ForwardedTcpipInfo): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    try {
      client.forwardOut(info.boundAddr, info.boundPort, info.originAddr, info.originPort, (err: Error | undefined, ch: ServerChannel) => {
        if (err || !ch) return reject(new ConnectionProblemError(`client refused the forwarded-tcpip channel: ${err?.message ?? 'no channel'}`, { cause: err }));
        ch.on('error', () => {});
        resolve(ch);
      });
    } catch (cause) {
      reject(new ConnectionProblemError('cannot open a forwarded-tcpip channel: the connection is closed', { cause }));
    }
  });
}
