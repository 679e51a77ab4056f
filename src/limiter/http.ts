/**
 * `connection_limits` on an HTTP listener, as Teleport's web proxy applies them: every request
 * (and WebSocket upgrade) takes a rate token from its client IP and counts as one of that IP's
 * connections while it is in flight.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log/index.js';
import type { ConnectionLimiter } from './limiter.js';

/**
 * Admit `req`, released when `res` closes. Over a limit it logs and throws the LimitExceededError,
 * which the server's error mapping answers with 429 and its JSON error.
 */
export function admitRequest(limiter: ConnectionLimiter, req: IncomingMessage, res: ServerResponse, log: Logger): void {
  const ip = req.socket.remoteAddress ?? '';
  try {
    res.once('close', limiter.acquireConnection(ip));
  } catch (err) {
    log.warn({ remote_addr: ip, path: req.url, reason: (err as Error).message }, 'web request refused by connection limits');
    throw err;
  }
}

/**
 * Admit an upgrade request, released when `socket` closes. Over a limit it logs, answers 429
 * with the JSON error on the raw socket, and returns false.
 */
export function admitUpgrade(limiter: ConnectionLimiter, req: IncomingMessage, socket: Duplex, log: Logger): boolean {
  const ip = req.socket.remoteAddress ?? '';
  try {
    socket.once('close', limiter.acquireConnection(ip));
    return true;
  } catch (err) {
    const message = (err as Error).message;
    log.warn({ remote_addr: ip, path: req.url, reason: message }, 'web request refused by connection limits');
    const body = JSON.stringify({ error: { message } });
    socket.end(
      `HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    return false;
  }
}
