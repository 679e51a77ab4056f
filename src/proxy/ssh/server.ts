/**
 * The proxy's SSH listener (Teleport's port 3023). Users log in with their user certificate and
 * ask for `proxy:host:port@cluster` (a session subsystem, as tsh and `ssh -s` do) or open a
 * `direct-tcpip` channel (OpenSSH's `ssh -J`); the proxy resolves the node, dials it and relays
 * bytes. The client runs its own SSH session with the node over that pipe: the proxy never holds
 * its keys or sees its plaintext. `proxy:@cluster` relays to the auth API the same way.
 */
import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../api/clock.js';
import { ConnectionProblemError, TeleportError } from '../../api/errors.js';
import type { AuditEmitter } from '../../events/index.js';
import type { Logger } from '../../log/index.js';
import { startSSHServer } from '../../sshutils/index.js';
import type { DirectTcpipRequest, PeerAddress, SSHAlgorithms, SSHChannel, SSHConnection, SSHConnectionLimiter, SSHServer, SSHSession, SessionRequest } from '../../sshutils/index.js';
import type { ProxySSHAccess } from './access.js';
import { authenticateProxyUser, proxyAuthFailure, type ProxyIdentity } from './auth.js';
import { relay, type RelayResult } from './relay.js';
import { parseProxySubsystem } from './subsystem.js';
import { dialTarget, type DialedTarget } from './target.js';

/** Options of the SSH listener; `hostCert` is the proxy's OpenSSH host certificate line. */
export interface ProxySSHServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  hostKey: KeyObject;
  hostCert: string;
  access: ProxySSHAccess;
  clock: Clock;
  logger: Logger;
  /** Where refused logins are recorded (`auth` events), with this proxy's host UUID and name. */
  audit?: { emitter: AuditEmitter; serverId: string; hostname: string };
  /** `teleport.connection_limits` (src/limiter); none when absent. */
  limiter?: SSHConnectionLimiter;
  /** `teleport.ciphers`, `kex_algos`, `mac_algos`: what the listener offers; ssh2's defaults when absent. */
  algorithms?: SSHAlgorithms;
}

/** Towards a node the client must speak SSH; the auth relay carries TLS. */
const SSH_PREFIX = Buffer.from('SSH-2.0-');

type SubsystemRequest = Extract<SessionRequest, { type: 'subsystem' }>;

/** The listener; start() returns the bound address; close() drops connections and relays, safe twice. */
export class ProxySSHServer {
  private server?: SSHServer;
  private closing?: Promise<void>;
  private readonly targets = new Set<Duplex>();

  constructor(private readonly o: ProxySSHServerOptions) {}

  /** Listen; throws BadParameterError for an unusable host key or certificate. */
  async start(): Promise<AddressInfo> {
    if (this.server) return this.server.address;
    const { access, clock } = this.o;
    this.server = await startSSHServer({
      host: this.o.host,
      port: this.o.port,
      hostKey: this.o.hostKey,
      hostCert: this.o.hostCert,
      authenticate: async (ctx) => {
        const result = await authenticateProxyUser(ctx, { userCAKeys: () => access.userCAKeys(), clock });
        const audit = this.o.audit;
        const event = !result.allow && audit ? proxyAuthFailure(ctx, result.reason ?? '', { ...audit, clusterName: access.clusterName }) : undefined;
        if (event) void audit!.emitter.emit(event);
        return result;
      },
      onSession: (session) => void this.serveSession(session).catch((err: unknown) => this.bug(err)),
      onDirectTcpip: (req) => void this.serveDirectTcpip(req).catch((err: unknown) => this.bug(err)),
      ...(this.o.limiter && { limiter: this.o.limiter }),
      ...(this.o.algorithms && { algorithms: this.o.algorithms }),
      logger: this.o.logger,
    });
    this.o.logger.info({ addr: `${this.server.address.address}:${this.server.address.port}` }, 'proxy ssh listener is up');
    return this.server.address;
  }

  /**
   * Serves a client that arrived on another listener (the web port's `teleport-proxy-ssh` ALPN),
   * as if it had connected here. Destroys `stream` when the server is not started or closed.
   */
  serveConnection(stream: Duplex, peer: PeerAddress): void {
    if (!this.server || this.closing) {
      stream.destroy();
      return;
    }
    this.server.serveConnection(stream, peer);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const s of this.targets) s.destroy();
      await this.server?.close();
    })();
    return this.closing;
  }

  private async serveSession(session: SSHSession): Promise<void> {
    let started = false;
    for await (const req of session.requests) {
      switch (req.type) {
        // Teleport's proxy takes these and does nothing with them (no environment, no agent use).
        case 'env':
        case 'auth-agent':
          req.accept();
          break;
        case 'subsystem':
          // One relay per session, as the channel carries one byte stream.
          if (started) req.reject();
          else started = await this.serveSubsystem(req, session);
          break;
        case 'pty':
        case 'shell':
        case 'exec':
          req.reject();
          break;
        default:
          break;
      }
    }
  }

  /** Resolves true once the relay runs, false when the request was refused. */
  private async serveSubsystem(req: SubsystemRequest, session: SSHSession): Promise<boolean> {
    const who = describe(session.identity, session.remoteAddress);
    let target: DialedTarget;
    try {
      const p = parseProxySubsystem(req.name);
      target = await this.dial(p, clientAddr(session.conn));
    } catch (err) {
      this.o.logger.info({ ...who, subsystem: req.name.slice(0, 256), err: errText(err) }, 'proxy subsystem refused');
      // As Teleport: the reason on the session's stderr, then the request fails.
      req.reject(`${userMessage(err)}\n`);
      return false;
    }
    const gone = connectionGone(session.conn);
    if (gone.aborted) {
      target.socket.destroy();
      return false;
    }
    let ch: SSHChannel;
    try {
      ch = req.accept();
    } catch (err) {
      // The session went away between the request and now.
      this.o.logger.debug({ ...who, err: errText(err) }, 'proxy subsystem vanished before it started');
      target.socket.destroy();
      return false;
    }
    this.pipe(ch.stream, target, () => ch.close(), gone, who);
    return true;
  }

  private async serveDirectTcpip(req: DirectTcpipRequest): Promise<void> {
    const who = describe(req.conn.identity, req.conn.remoteAddress);
    let target: DialedTarget;
    try {
      target = await this.dial({ host: req.destHost, port: String(req.destPort), cluster: '' }, clientAddr(req.conn));
    } catch (err) {
      // A refused channel open carries no text through our SSH adapter: the reason is logged.
      this.o.logger.info({ ...who, dest: `${req.destHost}:${req.destPort}`, err: errText(err) }, 'proxy direct-tcpip refused');
      req.reject();
      return;
    }
    const gone = connectionGone(req.conn);
    if (gone.aborted) return void target.socket.destroy();
    let ch: Duplex;
    try {
      ch = req.accept();
    } catch (err) {
      this.o.logger.debug({ ...who, err: errText(err) }, 'proxy direct-tcpip vanished before it started');
      target.socket.destroy();
      return;
    }
    this.pipe(ch, target, () => ch.destroy(), gone, who);
  }

  private bug(err: unknown): void {
    this.o.logger.error({ err: errText(err), stack: err instanceof Error ? err.stack : undefined }, 'proxy ssh handler failed');
  }

  private async dial(t: { host: string; port: string; cluster: string }, client: string): Promise<DialedTarget> {
    const target = await dialTarget(this.o.access, t, undefined, client);
    if (this.closing) {
      target.socket.destroy();
      throw new ConnectionProblemError('the proxy is shutting down');
    }
    this.targets.add(target.socket);
    target.socket.once('close', () => this.targets.delete(target.socket));
    return target;
  }

  private pipe(channel: Duplex, target: DialedTarget, closeChannel: () => void, signal: AbortSignal, who: Record<string, string>): void {
    const fields = { ...who, target: target.name };
    this.o.logger.info(fields, 'proxy relay started');
    const requirePrefix = target.node === undefined ? undefined : SSH_PREFIX;
    void relay(channel, target.socket, { closeChannel, requirePrefix, signal }).then((r: RelayResult) =>
      this.o.logger.info({ ...fields, sent: r.sent, received: r.received, err: r.error?.message }, 'proxy relay ended'),
    );
  }
}

/** `ip:port` of the client, for a tunnelled node to see and audit. */
function clientAddr(conn: SSHConnection): string {
  return conn.remoteAddress.includes(':') ? `[${conn.remoteAddress}]:${conn.remotePort}` : `${conn.remoteAddress}:${conn.remotePort}`;
}

/** Aborted once the client's SSH connection is gone (at once if it already is). */
function connectionGone(conn: SSHConnection): AbortSignal {
  const ac = new AbortController();
  conn.onClose(() => ac.abort());
  return ac.signal;
}

function describe(identity: unknown, remoteAddress: string): Record<string, string> {
  const id = identity as ProxyIdentity | undefined;
  return { user: id?.user ?? '', login: id?.login ?? '', remote_addr: remoteAddress };
}

/** Our typed errors are written for users; anything else is a bug and stays in the log. */
function userMessage(err: unknown): string {
  return err instanceof TeleportError ? err.message : 'internal error while connecting (see the proxy log)';
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
