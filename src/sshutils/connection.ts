/**
 * One client connection on the server: publickey authentication handed to the caller's
 * `authenticate`, then sessions, direct-tcpip channels and tcpip-forward requests of the
 * authenticated connection handed to the caller's handlers.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AuthContext as SSH2AuthContext, Connection, ServerChannel } from 'ssh2';
import type { Logger } from '../log/index.js';
import { admitUser, serveRefusal } from './admission.js';
import { openForwardedTcpip, wrapForwardRequest } from './forwarding.js';
import type { SSHConnection } from './server-connection.js';
import type { SSHServerOptions } from './server-options.js';
import { wrapSession, type SSH2Protocol } from './session.js';
import { inspectPublicKey } from './user-auth.js';

/** Serve one accepted ssh2 connection until it closes (internal to this folder). */
export function handleConnection(client: Connection, opts: SSHServerOptions, log: Logger, loggedIn: (sock: unknown) => void, refusal?: string): void {
  // ssh2 keeps the raw socket here; a client gone mid-handshake may have no addresses.
  const sock = (client as unknown as { _sock?: Partial<Socket> })._sock;
  const remoteAddress = sock?.remoteAddress ?? '';
  const remotePort = sock?.remotePort ?? 0;
  const localAddress = sock?.localAddress ?? '';
  const localPort = sock?.localPort ?? 0;
  let isClosed = false;
  const closeCallbacks: (() => void)[] = [];
  client.on('close', () => {
    isClosed = true;
    for (const cb of closeCallbacks.splice(0)) {
      try {
        cb();
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'ssh connection close callback failed');
      }
    }
  });
  let conn: SSHConnection | undefined;
  client.on('error', (err: Error) => log.debug({ err: err.message, remote_addr: remoteAddress }, 'ssh connection error'));
  // A connection over the limits has been shown why in the banner; its login is refused.
  let userRefusal: string | undefined;
  client.on('authentication', (ctx) => {
    if (!refusal) return void authenticate(ctx);
    ctx.reject([]);
    client.end();
  });

  async function authenticate(ctx: SSH2AuthContext): Promise<void> {
    try {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const offered = inspectPublicKey(ctx);
      if (!offered) return ctx.reject(['publickey']);
      // The unsigned "would you accept this key" query: say yes, decide on the signed attempt.
      if (!ctx.signature) return ctx.accept();
      const result = await opts.authenticate({ username: ctx.username, ...offered, remoteAddress, remotePort });
      if (!result.allow) {
        log.info({ user: ctx.username, remote_addr: remoteAddress, reason: result.reason }, 'ssh login refused');
        return ctx.reject(['publickey']);
      }
      userRefusal = result.refusal ?? admitUser(client, opts.limiter, offered.cert?.keyId ?? ctx.username, log, remoteAddress);
      conn = {
        username: ctx.username,
        remoteAddress,
        remotePort,
        localAddress,
        localPort,
        identity: result.identity,
        bytesReceived: () => sock?.bytesRead ?? 0,
        keepAlive: () => {
          if (!isClosed) (client as unknown as { _protocol?: SSH2Protocol })._protocol?.ping();
        },
        openForwardedTcpip: (info) => openForwardedTcpip(client, info),
        close: () => {
          if (!isClosed) client.end();
        },
        onClose: (cb) => {
          if (isClosed) cb();
          else closeCallbacks.push(cb);
        },
      };
      ctx.accept();
    } catch (err) {
      log.warn({ err: (err as Error).message, remote_addr: remoteAddress }, 'ssh authentication failed');
      try {
        ctx.reject(['publickey']);
      } catch {
        // The connection is gone.
      }
    }
  }

  client.on('ready', () => {
    loggedIn(sock);
    if (userRefusal) return serveRefusal(client, userRefusal);
    const c = conn!;
    try {
      opts.onConnection?.(c);
    } catch (err) {
      log.warn({ err: (err as Error).message, remote_addr: remoteAddress }, 'ssh connection handler failed');
      c.close();
      return;
    }
    const openAgent = () =>
      new Promise<Duplex>((resolve, reject) => {
        const open = (client as unknown as { openssh_authAgent(cb: (err?: Error, ch?: ServerChannel) => void): void })
          .openssh_authAgent;
        open.call(client, (err, ch) => (err || !ch ? reject(err ?? new Error('agent channel refused')) : resolve(ch)));
      });
    const protocol = (client as unknown as { _protocol?: SSH2Protocol })._protocol;
    client.on('session', (accept) => {
      const s = accept();
      opts.onSession(wrapSession(s, c, openAgent, protocol, sock));
    });
    client.on('tcpip', (accept, reject, info) => {
      if (!opts.onDirectTcpip) return reject();
      opts.onDirectTcpip({
        conn: c,
        destHost: info.destIP,
        destPort: info.destPort,
        originHost: info.srcIP,
        originPort: info.srcPort,
        accept: () => {
          const ch = accept();
          ch.on('error', () => {});
          return ch;
        },
        reject: () => reject(),
      });
    });
    client.on('request', (accept, reject, name, info) => {
      const forward = name === 'tcpip-forward' || name === 'cancel-tcpip-forward';
      if (!forward || !opts.onTcpipForward) return reject?.();
      const data = info as { bindAddr?: unknown; bindPort?: unknown } | undefined;
      if (typeof data?.bindAddr !== 'string' || typeof data.bindPort !== 'number') return reject?.();
      opts.onTcpipForward(
        wrapForwardRequest(c, name, { bindAddr: data.bindAddr, bindPort: data.bindPort }, accept as ((port?: number) => void) | undefined, reject),
      );
    });
  });
}
