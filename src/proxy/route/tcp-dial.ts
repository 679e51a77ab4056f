/** A TCP connection to an agent that listens (a node with an address), bounded in time. */
import { connect, type Socket } from 'node:net';
import { ConnectionProblemError } from '../../api/errors.js';

/** How long a dial may take before it fails. */
export const DIAL_TIMEOUT_MS = 15_000;

/** Connect to `host:port`. Rejects with ConnectionProblemError (refused, unreachable, timed out). */
export function dialTCP(host: string, port: number, timeoutMs = DIAL_TIMEOUT_MS): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port, allowHalfOpen: true });
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      reject(new ConnectionProblemError(`failed to dial ${where}: ${err.message}`, { cause: err }));
    };
    const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    sock.once('error', fail);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.off('error', fail);
      sock.setNoDelay(true);
      resolve(sock);
    });
  });
}
