/**
 * Remote port forwarding as the server sees it (RFC 4254 §7.1): `tcpip-forward` and
 * `cancel-tcpip-forward` global requests handed to the caller, and `forwarded-tcpip` channels the
 * caller opens back to the client for each connection it accepts on the forwarded port.
 */
import type { Duplex } from 'node:stream';
import type { Connection, ServerChannel } from 'ssh2';
import { ConnectionProblemError } from '../api/errors.js';
import type { ForwardedTcpipInfo, SSHConnection, TcpipForwardRequest } from './server-connection.js';

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
