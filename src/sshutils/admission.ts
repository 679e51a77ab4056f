/**
 * `connection_limits` at the SSH edge: a connection over its address's limit is told why in the
 * login banner and then refused; a login over the user limit is refused with its reason shown on
 * the session's stderr. Internal to this folder.
 */
import type { Socket } from 'node:net';
import type { Connection, ServerChannel } from 'ssh2';
import type { Logger } from '../log/index.js';
import type { SSHConnectionLimiter } from './server-connection.js';

/**
 * Take a connection slot for the client's address, released when it closes. Returns the refusal
 * text when over a limit (logged, and queued as the USERAUTH banner the client prints).
 */
export function admitConnection(client: Connection, limiter: SSHConnectionLimiter | undefined, log: Logger): string | undefined {
  if (!limiter) return undefined;
  const remoteAddress = (client as unknown as { _sock?: Partial<Socket> })._sock?.remoteAddress ?? '';
  try {
    client.once('close', limiter.acquireConnection(remoteAddress));
    return undefined;
  } catch (err) {
    const refusal = (err as Error).message;
    log.warn({ remote_addr: remoteAddress, reason: refusal }, 'ssh connection refused by connection limits');
    // ssh2 sends the banner with its SERVICE_ACCEPT for ssh-userauth, which is still to come.
    const proto = (client as unknown as { _protocol?: { _banner?: string } })._protocol;
    if (proto) proto._banner = `${refusal}\r\n`;
    return refusal;
  }
}

/** Take a user slot, released when the connection closes; the refusal text when over the limit. */
export function admitUser(client: Connection, limiter: SSHConnectionLimiter | undefined, user: string, log: Logger, remoteAddress: string): string | undefined {
  if (!limiter) return undefined;
  try {
    client.once('close', limiter.acquireUser(user));
    return undefined;
  } catch (err) {
    const refusal = (err as Error).message;
    log.warn({ user, remote_addr: remoteAddress, reason: refusal }, 'ssh login refused by connection limits');
    return refusal;
  }
}

/** How long a refused login may take to read its refusal before it is disconnected. */
const REFUSED_LOGIN_GRACE_MS = 5_000;

/**
 * Serve a logged-in connection that the user limit refused: a shell, command or subsystem gets
 * the refusal on stderr and exit status 1, nothing else is served, and the client is disconnected
 * once that channel closed (or after a short grace period).
 */
export function serveRefusal(client: Connection, refusal: string): void {
  const end = () => client.end();
  const timer = setTimeout(end, REFUSED_LOGIN_GRACE_MS);
  timer.unref();
  client.once('close', () => clearTimeout(timer));
  client.on('session', (accept) => {
    const session = accept();
    session.on('pty', (ok) => ok?.());
    for (const kind of ['shell', 'exec', 'subsystem'] as const) {
      session.on(kind, (ok: () => ServerChannel) => {
        const ch = ok();
        // Disconnecting at once could cut the client off before it printed the text.
        ch.once('close', end);
        ch.stderr.write(`${refusal}\r\n`);
        ch.exit(1);
        ch.end();
      });
    }
  });
}
