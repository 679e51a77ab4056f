/**
 * The connection monitor (Teleport's srv.Monitor): closes a connection when its certificate
 * expires (disconnect_expired_cert) or when the client has sent nothing for client_idle_timeout,
 * telling the client why first. Time is the injected clock, checked on the node's ticker.
 */
import type { Clock } from '../api/clock.js';
import { formatDuration } from '../api/duration.js';
import type { Logger } from '../log/index.js';
import type { SSHConnection } from '../sshutils/index.js';
import type { NodeIdentity } from './authorize.js';
import type { Ticker } from './ticker.js';

/** Real time between telling the client why and closing its connection. */
export const MESSAGE_GRACE_MS = 200;

/** What the monitor watches and how it tells the client. */
export interface MonitorOptions {
  conn: SSHConnection;
  identity: NodeIdentity;
  clock: Clock;
  ticker: Ticker;
  logger: Logger;
  /** Write a line to every running session of the connection (best effort). */
  notify(message: string): void;
}

/** Start watching; stops by itself when the connection closes. */
export function monitorConnection(opts: MonitorOptions): void {
  const { conn, identity, clock } = opts;
  const expiresAt = identity.disconnectExpiredCert ? identity.certExpiresAt : undefined;
  const idleMs = identity.idleTimeoutMs;
  if (expiresAt === undefined && idleMs <= 0) return;
  let lastBytes = conn.bytesReceived();
  let lastActive = clock.now();
  let done = false;
  const disconnect = (reason: string, message: string) => {
    done = true;
    stop();
    opts.logger.info({ login: identity.login, user: identity.teleportUser, remote_addr: conn.remoteAddress, reason }, 'disconnecting client');
    opts.notify(message);
    // OpenSSH exits on the disconnect without printing channel data it has not written out yet:
    // give the message a moment to reach the terminal first.
    setTimeout(() => conn.close(), MESSAGE_GRACE_MS).unref();
  };
  const stop = opts.ticker.add(() => {
    if (done) return;
    const now = clock.now();
    if (expiresAt !== undefined && now >= expiresAt) {
      const reason = `client certificate expired at ${new Date(now).toISOString()}`;
      return disconnect(reason, reason);
    }
    if (idleMs > 0) {
      const bytes = conn.bytesReceived();
      if (bytes !== lastBytes) {
        lastBytes = bytes;
        lastActive = now;
      } else if (now - lastActive >= idleMs) {
        const reason = `Client exceeded idle timeout of ${formatDuration(idleMs)}`;
        disconnect(reason, reason);
      }
    }
  });
  conn.onClose(() => {
    done = true;
    stop();
  });
}
