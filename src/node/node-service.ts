/**
 * The SSH node service (Teleport's `ssh_service`, port 3022): presents the host certificate,
 * authorizes user certificates against the cluster's user CA and roles, serves sessions, port
 * forwarding and agent forwarding, monitors idle and expired connections, and heartbeats the node
 * resource with its static and command labels.
 */
import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../api/clock.js';
import type { Node } from '../api/types/index.js';
import { VERSION } from '../api/version.js';
import type { SSHServiceConfig } from '../config/index.js';
import type { AuditEmitter } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { startSSHServer } from '../sshutils/index.js';
import type { AuthContext, AuthResult, DirectTcpipRequest, PeerAddress, SSHAlgorithms, SSHConnection, SSHConnectionLimiter, SSHServer, SSHSession, TcpipForwardRequest } from '../sshutils/index.js';
import type { NodeAccessPoint } from './access-point.js';
import { authorizeLogin, type NodeIdentity } from './authorize.js';
import { CommandLabels, type LabelRunner } from './command-labels.js';
import { Heartbeat } from './heartbeat.js';
import { monitorConnection } from './monitor.js';
import { keepConnectionLease, takeConnectionLease } from './connection-lease.js';
import { NodeAudit } from './node-audit.js';
import { RemoteForwards, portForwardRefusal, serveDirectTcpip } from './port-forward.js';
import type { SessionEventHandler } from './session-events.js';
import type { SessionRecorder } from './session-recorder.js';
import { serveSession } from './session-handler.js';
import { SessionLauncher } from './session-launcher.js';
import { LiveSessions } from './live-session.js';
import { DEFAULT_TICK_MS, Ticker } from './ticker.js';
import { NodeSessionTrackers } from './session-trackers.js';

/** Options of NodeService. */
export interface NodeServiceOptions {
  /** Listen address; port 0 picks a free port. */
  host: string;
  port: number;
  hostId: string;
  nodeName: string;
  /** The node's key and its OpenSSH host certificate line. */
  hostKey: KeyObject;
  hostCert: string;
  /** labels, commands, permitUserEnv, portForwarding, sshFileCopy, publicAddrs. */
  config: SSHServiceConfig;
  /** host:port put in the heartbeat's spec.addr (default: the bound address); may be computed from it. */
  advertiseAddr?: string | ((bound: AddressInfo) => string);
  /**
   * Reached only through a reverse tunnel: no listener (host/port are ignored), connections come in
   * through `serveConnection`, and the heartbeat says `use_tunnel: true` with no address.
   */
  useTunnel?: boolean;
  access: NodeAccessPoint;
  clock: Clock;
  logger: Logger;
  /** Session started/ended hook (audit and recording attach here). */
  onSessionEvent?: SessionEventHandler;
  /** Records shell and exec sessions (session_recording); nothing is recorded without it. */
  recorder?: SessionRecorder;
  /** Where the node's audit events go (auth, exec, session.start/end, port, client.disconnect); none when absent. */
  audit?: AuditEmitter;
  /** Connect-to-login time limit (default sshutils' DEFAULT_HANDSHAKE_TIMEOUT_MS). */
  handshakeTimeoutMs?: number;
  /** `teleport.connection_limits` (src/limiter); none when absent. */
  limiter?: SSHConnectionLimiter;
  /** `teleport.ciphers`, `kex_algos`, `mac_algos`: what the SSH listener offers; ssh2's defaults when absent. */
  algorithms?: SSHAlgorithms;
  /** Real interval at which clock-driven checks run (default 1 s; tests use less). */
  tickMs?: number;
  /** Replaces the command label runner (tests). */
  labelRunner?: LabelRunner;
}

/** A running SSH node. `close()` is safe to call twice. */
export class NodeService {
  private readonly log: Logger;
  private readonly ticker: Ticker;
  private readonly labels: CommandLabels;
  private readonly heartbeat: Heartbeat;
  private readonly audit?: NodeAudit;
  /** Live sessions reported to auth as session_tracker resources. */
  readonly sessionTrackers: NodeSessionTrackers;
  private readonly sessionWriters = new Map<SSHConnection, Set<(message: string) => void>>();
  /** This node's interactive sessions others may join. */
  private readonly liveSessions = new LiveSessions();
  private readonly remoteForwards = new Map<SSHConnection, RemoteForwards>();
  private server: SSHServer | undefined;
  private closed: Promise<void> | undefined;
  /** Forks and execs the sessions' programs, so that this process's event loop never does. */
  private readonly launcher: SessionLauncher;

  constructor(private readonly opts: NodeServiceOptions) {
    this.log = opts.logger.child({ component: 'node' });
    this.launcher = new SessionLauncher({ logger: this.log });
    this.ticker = new Ticker(opts.tickMs ?? DEFAULT_TICK_MS, (err) => this.log.warn({ err: (err as Error).message }, 'node check failed'));
    this.labels = new CommandLabels({
      labels: opts.config.commands,
      clock: opts.clock,
      ticker: this.ticker,
      logger: this.log,
      onChange: () => this.heartbeat.trigger(),
      run: opts.labelRunner,
    });
    this.heartbeat = new Heartbeat({
      resource: () => this.nodeResource(),
      announce: (node, ttl) => opts.access.heartbeat(node, ttl),
      clock: opts.clock,
      ticker: this.ticker,
      logger: this.log,
    });
    // A broken watch stream is how the node learns at once that auth went away (a restart).
    opts.access.onAuthLost?.(() => this.heartbeat.reconnect());
    this.sessionTrackers = new NodeSessionTrackers({
      access: opts.access,
      hostId: opts.hostId,
      hostname: opts.nodeName,
      address: () => this.nodeResource().spec.addr ?? '',
      clock: opts.clock,
      ticker: this.ticker,
      logger: this.log,
    });
    if (opts.audit) {
      this.audit = new NodeAudit({
        emitter: opts.audit,
        clusterName: opts.access.clusterName,
        serverId: opts.hostId,
        hostname: opts.nodeName,
        addr: () => this.nodeResource().spec.addr ?? '',
        labels: () => this.currentLabels(),
        clock: opts.clock,
      });
    }
  }

  /** Listen, start the command labels and the heartbeat; resolves with the bound address. */
  async start(): Promise<AddressInfo> {
    if (this.server) return this.server.address;
    const o = this.opts;
    // Started now, so that the first session does not wait for it.
    void this.launcher.pid;
    this.server = await startSSHServer({
      host: o.host,
      port: o.port,
      listen: !o.useTunnel,
      hostKey: o.hostKey,
      hostCert: o.hostCert,
      handshakeTimeoutMs: o.handshakeTimeoutMs,
      ...(o.limiter && { limiter: o.limiter }),
      ...(o.algorithms && { algorithms: o.algorithms }),
      logger: this.log,
      authenticate: (ctx) => this.authenticate(ctx),
      onConnection: (conn) => this.onConnection(conn),
      onSession: (session) => this.onSession(session),
      onDirectTcpip: (req) => this.onDirectTcpip(req),
      onTcpipForward: (req) => this.onTcpipForward(req),
    });
    if (o.useTunnel) this.log.info({}, 'ssh node serving through reverse tunnels');
    else this.log.info({ addr: `${this.server.address.address}:${this.server.address.port}` }, 'ssh node listening');
    // The first announce carries the command labels' first values.
    void this.labels.start().then(
      () => this.heartbeat.start(),
      (err: Error) => {
        this.log.warn({ err: err.message }, 'command labels failed to start');
        this.heartbeat.start();
      },
    );
    return this.server.address;
  }

  /**
   * Serve a client connection that arrived another way than the listener (a reverse tunnel's
   * transport channel); `peer` is the client's address as the proxy saw it. Destroys `stream`
   * when the node is not started or already closed.
   */
  serveConnection(stream: Duplex, peer: PeerAddress): void {
    if (!this.server || this.closed) {
      stream.destroy();
      return;
    }
    this.server.serveConnection(stream, peer);
  }

  /** Stop listening, drop connections, stop labels and heartbeat. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.labels.close();
      await this.heartbeat.close();
      this.ticker.close();
      await this.server?.close();
      this.launcher.close();
      this.opts.access.close?.();
    })();
    return this.closed;
  }

  /** The node's labels now: static labels plus command label values. */
  currentLabels(): Record<string, string> {
    return { ...this.opts.config.labels, ...this.labels.values() };
  }

  /** The node resource as it is announced. */
  nodeResource(): Node {
    const o = this.opts;
    const bound = this.server?.address;
    const addr = typeof o.advertiseAddr === 'function' ? (bound ? o.advertiseAddr(bound) : '') : (o.advertiseAddr ?? (bound ? hostPort(bound) : ''));
    const spec: Node['spec'] = o.useTunnel ? { addr: '', hostname: o.nodeName, use_tunnel: true, version: VERSION } : { addr, hostname: o.nodeName, version: VERSION };
    const cmd = this.labels.toResource();
    if (Object.keys(cmd).length > 0) spec.cmd_labels = cmd;
    if (o.config.publicAddrs.length > 0) spec.public_addrs = o.config.publicAddrs.map((a) => hostPort({ address: a.host, port: a.port }));
    return { kind: 'node', version: 'v2', metadata: { name: o.hostId, labels: { ...o.config.labels } }, spec };
  }

  private async authenticate(ctx: AuthContext): Promise<AuthResult> {
    try {
      const identity = await authorizeLogin(ctx, { access: this.opts.access, clock: this.opts.clock, labels: () => this.currentLabels(), node: { hostId: this.opts.hostId, hostname: this.opts.nodeName } });
      const max = identity.joinOnly ? 0 : identity.roles.maxConnections();
      if (max > 0) {
        const taken = await takeConnectionLease(this.opts.access, identity.teleportUser, max, this.opts.hostId, identity.sessionControlTimeoutMs);
        if ('refusal' in taken) {
          this.log.info({ login: ctx.username, user: identity.teleportUser, remote_addr: ctx.remoteAddress, max }, 'ssh login refused: max_connections reached');
          this.audit?.sessionRejected(ctx, identity.teleportUser, 'max_connections limit reached', max);
          return { allow: true, identity, refusal: taken.refusal };
        }
        identity.connectionLease = taken;
      }
      this.log.info({ login: ctx.username, user: identity.teleportUser, remote_addr: ctx.remoteAddress }, 'ssh login accepted');
      return { allow: true, identity };
    } catch (err) {
      this.audit?.authFailed(ctx, (err as Error).message);
      return { allow: false, reason: (err as Error).message };
    }
  }

  private onConnection(conn: SSHConnection): void {
    const identity = conn.identity as NodeIdentity;
    if (identity.connectionLease) {
      keepConnectionLease({ conn, held: identity.connectionLease, access: this.opts.access, clock: this.opts.clock, ticker: this.ticker, logger: this.log });
    }
    const writers = new Set<(message: string) => void>();
    this.sessionWriters.set(conn, writers);
    conn.onClose(() => this.sessionWriters.delete(conn));
    monitorConnection({
      conn,
      identity,
      clock: this.opts.clock,
      ticker: this.ticker,
      logger: this.log,
      // The monitor tells the client why only when it is about to disconnect it.
      notify: (message) => {
        this.audit?.clientDisconnected(conn, message);
        writers.forEach((w) => w(message));
      },
    });
    const audit = this.audit;
    const forwards = new RemoteForwards(
      conn,
      this.log,
      audit && {
        start: (addr) => audit.remoteForward(conn, addr, 'start'),
        stop: (addr) => audit.remoteForward(conn, addr, 'stop'),
        fail: (addr, error) => audit.remoteForward(conn, addr, 'failed', error),
      },
    );
    this.remoteForwards.set(conn, forwards);
    conn.onClose(() => this.remoteForwards.delete(conn));
  }

  private onSession(session: SSHSession): void {
    const o = this.opts;
    void serveSession(session, {
      hostId: o.hostId,
      clusterName: o.access.clusterName,
      permitUserEnv: o.config.permitUserEnv,
      sshFileCopy: o.config.sshFileCopy,
      recorder: o.recorder,
      liveSessions: this.liveSessions,
      launcher: this.launcher,
      clock: o.clock,
      logger: this.log,
      onEvent: (e) => {
        this.audit?.session(e);
        this.sessionTrackers.onEvent(e);
        o.onSessionEvent?.(e);
      },
      track: (conn, notify) => {
        const set = this.sessionWriters.get(conn);
        set?.add(notify);
        return () => set?.delete(notify);
      },
    });
  }

  private onDirectTcpip(req: DirectTcpipRequest): void {
    const refusal = portForwardRefusal(req.conn.identity as NodeIdentity, this.opts.config.portForwarding);
    if (refusal) {
      this.log.info({ dest: `${req.destHost}:${req.destPort}`, reason: refusal }, 'port forwarding refused');
      this.audit?.forwardRefused(req.conn, `${req.destHost}:${req.destPort}`, refusal);
      return req.reject();
    }
    const audit = this.audit;
    serveDirectTcpip(
      req,
      this.log,
      audit && {
        start: (addr) => audit.localForward(req.conn, addr, 'start'),
        stop: (addr) => audit.localForward(req.conn, addr, 'stop'),
        fail: (addr, error) => audit.localForward(req.conn, addr, 'failed', error),
      },
    );
  }

  private onTcpipForward(req: TcpipForwardRequest): void {
    const identity = req.conn.identity as NodeIdentity;
    const forwards = this.remoteForwards.get(req.conn);
    let refusal = portForwardRefusal(identity, this.opts.config.portForwarding);
    if (!refusal && req.kind === 'forward' && req.bindPort > 0 && req.bindPort < 1024 && identity.login !== 'root') {
      refusal = `only root may forward privileged port ${req.bindPort}`;
    }
    if (refusal || !forwards) {
      this.log.info({ bind: `${req.bindAddr}:${req.bindPort}`, reason: refusal }, 'remote port forwarding refused');
      if (refusal && req.kind === 'forward') this.audit?.forwardRefused(req.conn, `${req.bindAddr}:${req.bindPort}`, refusal);
      return req.reject();
    }
    void forwards.handle(req);
  }
}

function hostPort(a: { address: string; port: number }): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
