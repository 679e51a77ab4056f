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

/**
 * The most a client's answer to one keep-alive adds to bytesReceived (an encrypted
 * SSH_MSG_REQUEST_FAILURE with MAC and padding is 32-64 bytes): so little arriving while a
 * keep-alive is unanswered is that answer, not activity, and does not reset the idle timer.
 */
export const KEEPALIVE_REPLY_MAX_BYTES = 128;

/** Start watching; stops by itself when the connection closes. */
export function monitorConnection(opts: MonitorOptions): void {
  const { conn, identity, clock } = opts;
  const expiresAt = identity.disconnectExpiredCert ? identity.certExpiresAt : undefined;
  const idleMs = identity.idleTimeoutMs;
  const keepAliveMs = identity.keepAliveIntervalMs;
  if (expiresAt === undefined && idleMs <= 0 && keepAliveMs <= 0) return;
  let lastBytes = conn.bytesReceived();
  let lastActive = clock.now();
  // Keep-alives (OpenSSH's ClientAliveInterval/CountMax): one goes out after keepAliveMs without a
  // byte from the client; keepAliveCountMax unanswered in a row end the connection.
  let lastHeard = lastActive;
  let unanswered = 0;
  let done = false;
  const disconnect = (reason: string, message: string) => {
    done = true;
    stop();
    opts.logger.info({ login: identity.login, user: identity.teleportUser, remote_addr: conn.remoteAddress, reason }, 'disconnecting client');
    if (message) opts.notify(message);
    // OpenSSH exits on the disconnect without printing channel data it has not written out yet:
    // give the message a moment to reach the terminal first.
    setTimeout(() => conn.close(), message ? MESSAGE_GRACE_MS : 0).unref();
  };
  const stop = opts.ticker.add(() => {
    if (done) return;
    const now = clock.now();
    if (expiresAt !== undefined && now >= expiresAt) {
      const reason = `client certificate expired at ${new Date(now).toISOString()}`;
      return disconnect(reason, reason);
    }
    const bytes = conn.bytesReceived();
    const delta = bytes - lastBytes;
    lastBytes = bytes;
    if (delta > 0) {
      lastHeard = now;
      const onlyAnAnswer = unanswered > 0 && delta <= KEEPALIVE_REPLY_MAX_BYTES * unanswered;
      unanswered = 0;
      if (!onlyAnAnswer) lastActive = now;
    }
    if (idleMs > 0 && now - lastActive >= idleMs) {
      const reason = `Client exceeded idle timeout of ${formatDuration(idleMs)}`;
      return disconnect(reason, identity.idleTimeoutMessage || reason);
    }
    if (keepAliveMs > 0 && now - lastHeard >= keepAliveMs) {
      if (unanswered >= identity.keepAliveCountMax) {
        // The client is gone (or its network is): nobody is left to read a message.
        return disconnect(`client did not answer ${unanswered} keep-alives sent ${formatDuration(keepAliveMs)} apart`, '');
      }
      unanswered++;
      lastHeard = now;
      conn.keepAlive();
    }
  });
  conn.onClose(() => {
    done = true;
    stop();
  });
}
