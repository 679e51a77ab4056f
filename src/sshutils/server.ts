/**
 * An SSH server on ssh2 that callers drive with promises: publickey auth (plain keys and OpenSSH
 * certificates) decided by `authenticate`, sessions as SSHSession, direct-tcpip as Duplex streams.
 */
import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AuthContext as SSH2AuthContext, Connection, ServerChannel } from 'ssh2';
import { BadParameterError } from '../api/errors.js';
import type { Logger } from '../log/index.js';
import type { SSHCertificate } from '../sshca/index.js';
import { wrapSession, type SSHSession } from './session.js';
import { toSSH2Key } from './ssh2-key.js';
import { inspectPublicKey } from './user-auth.js';

/** Everything `authenticate` needs to decide a publickey login. */
export interface AuthContext {
  username: string;
  /** The algorithm the client named (`ssh-ed25519`, `rsa-sha2-512-cert-v01@openssh.com`...). */
  keyAlgo: string;
  /** The offered key or certificate blob. */
  keyBlob: Buffer;
  /** The parsed certificate when a certificate was offered (not yet checked for trust). */
  cert?: SSHCertificate;
  /** True only when the client's signature over this session verifies with the offered key. */
  signatureOk: boolean;
  remoteAddress: string;
  remotePort: number;
}

/** The verdict; `identity` is handed back on every session and channel of the connection. */
export interface AuthResult {
  allow: boolean;
  identity?: unknown;
  /** Why not (logged, never sent to the client). */
  reason?: string;
}

/** One authenticated connection, as seen by connection-level handlers. */
export interface SSHConnection {
  username: string;
  remoteAddress: string;
  identity: unknown;
}

/** A `direct-tcpip` channel request (the client's `-L` or `-W`/ProxyJump). */
export interface DirectTcpipRequest {
  conn: SSHConnection;
  destHost: string;
  destPort: number;
  originHost: string;
  originPort: number;
  accept(): Duplex;
  reject(): void;
}

/** Options of `startSSHServer`. */
export interface SSHServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The host's private key. */
  hostKey: KeyObject;
  /** An OpenSSH host certificate line (or blob) for `hostKey`, offered ahead of the plain key. */
  hostCert?: string | Buffer;
  /** Decide a signed publickey login. Throwing counts as a refusal. */
  authenticate(ctx: AuthContext): Promise<AuthResult>;
  /** Called for each session channel; consume `session.requests`. */
  onSession(session: SSHSession): void;
  /** direct-tcpip channels; refused when absent. */
  onDirectTcpip?(req: DirectTcpipRequest): void;
  /** Server identification suffix (after `SSH-2.0-`). */
  ident?: string;
  logger: Logger;
}

/** A running server; `close` stops listening and drops connections, safe to call twice. */
export interface SSHServer {
  address: AddressInfo;
  close(): Promise<void>;
}

/**
 * Listen on `host:port` and serve until closed. Throws BadParameterError for an unusable host key
 * or certificate. Malformed traffic only ever ends its own connection.
 */
export async function startSSHServer(opts: SSHServerOptions): Promise<SSHServer> {
  const log = opts.logger.child({ component: 'ssh:server' });
  const plain = toSSH2Key(opts.hostKey);
  const hostKeys: { key: unknown }[] = [];
  if (opts.hostCert !== undefined) {
    const certified = toSSH2Key(opts.hostKey, opts.hostCert);
    if (certified.cert?.type !== 'host') throw new BadParameterError('hostCert must be a host certificate');
    hostKeys.push({ key: certified.key });
  }
  hostKeys.push({ key: plain.key });
  const conns = new Set<Connection>();
  const server = new ssh2.Server(
    { hostKeys: hostKeys as never, ident: opts.ident ?? 'Teleport' },
    (client) => {
      conns.add(client);
      handleConnection(client, opts, log);
      client.on('close', () => conns.delete(client));
    },
  );
  server.on('error', (err: Error) => log.warn({ err: err.message }, 'ssh server error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    address,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of conns) c.end();
      });
      return closed;
    },
  };
}

function handleConnection(client: Connection, opts: SSHServerOptions, log: Logger): void {
  // ssh2 sets the remote address on the raw socket; a client gone mid-handshake has none.
  const sock = (client as unknown as { _sock?: { remoteAddress?: string; remotePort?: number } })._sock;
  const remoteAddress = sock?.remoteAddress ?? '';
  const remotePort = sock?.remotePort ?? 0;
  let conn: SSHConnection | undefined;
  client.on('error', (err: Error) => log.debug({ err: err.message, remote_addr: remoteAddress }, 'ssh connection error'));
  client.on('authentication', (ctx) => void authenticate(ctx));
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
      conn = { username: ctx.username, remoteAddress, identity: result.identity };
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
    const c = conn!;
    const openAgent = () =>
      new Promise<Duplex>((resolve, reject) => {
        const open = (client as unknown as { openssh_authAgent(cb: (err?: Error, ch?: ServerChannel) => void): void })
          .openssh_authAgent;
        open.call(client, (err, ch) => (err || !ch ? reject(err ?? new Error('agent channel refused')) : resolve(ch)));
      });
    client.on('session', (accept) => {
      const s = accept();
      opts.onSession(wrapSession(s, { ...c, openAgent }));
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
    client.on('request', (accept, reject) => reject?.());
  });
}
