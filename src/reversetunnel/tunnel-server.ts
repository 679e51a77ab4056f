/**
 * The proxy's reverse tunnel listener (`proxy_service.tunnel_listen_addr`, 3024). Agents log in with
 * their host certificate (signed by the cluster's host CA, principal `<host_uuid>.<cluster>`, role
 * Node for now); each connection then carries a control channel (hello, discovery of every proxy,
 * pings both ways), a transport forward the proxy opens channels on to reach the agent's services,
 * and direct-tcpip channels from the agent to the auth API. See protocol.ts for the wire format.
 */
import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConnectionProblemError, errorFromWire } from '../api/errors.js';
import type { Logger } from '../log/index.js';
import { verifyCertificate } from '../sshca/index.js';
import { startSSHServer } from '../sshutils/index.js';
import type { AuthContext, AuthResult, DirectTcpipRequest, PeerAddress, SSHConnection, SSHServer, SSHSession, TcpipForwardRequest } from '../sshutils/index.js';
import { readFrame, readLines, writeFrame, writeLine } from './frames.js';
import {
  CONTROL_SUBSYSTEM,
  PROTOCOL_VERSION,
  REMOTE_AUTH_SERVER,
  ROLE_EXTENSION,
  TRANSPORT_BIND,
  discoveryMessage,
  parseControlMessage,
  parseDialReply,
  type DialReply,
  type TunnelType,
} from './protocol.js';
import { splice } from './splice.js';
import { every, realTimers, type Timers } from './timers.js';

/** Default period of pings both ways; a peer silent for DEAD_AFTER periods is dropped. */
export const DEFAULT_HEARTBEAT_MS = 5_000;
/** Missed heartbeat periods after which a tunnel is considered dead (Teleport's keep_alive_count_max). */
export const DEAD_AFTER = 3;
/** Default period of re-reading the proxy list for discovery. */
export const DEFAULT_DISCOVERY_MS = 10_000;
/** How long an agent may take to answer a dial request. */
const DIAL_TIMEOUT_MS = 15_000;

/** Options of the tunnel listener. */
export interface TunnelServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** False: no listener of its own; agents arrive through `serveConnection` (the web port). Default true. */
  listen?: boolean;
  /** This proxy's host key and its OpenSSH host certificate line (role Proxy). */
  hostKey: KeyObject;
  hostCert: string;
  clusterName: string;
  /** This proxy's host UUID, announced to agents in `hello`. */
  proxyId: string;
  /** Plain SSH public key blobs of the host CA(s) agents' certificates must be signed by. */
  hostCAKeys(): Promise<Buffer[]>;
  /** Host UUIDs of every proxy currently heartbeating (discovery); should include this one. */
  proxies(): Promise<string[]>;
  /** A connection to the auth API, for agents' `@remote-auth-server` channels. */
  dialAuth(): Promise<Duplex>;
  /** System roles allowed to connect (default Node). */
  roles?: string[];
  timers?: Timers;
  heartbeatMs?: number;
  discoveryMs?: number;
  logger: Logger;
}

/** Who an agent is, from its certificate. */
export interface AgentIdentity {
  /** `<host_uuid>.<cluster>`: how the proxy addresses it (Teleport's ServerID). */
  serverId: string;
  hostId: string;
  role: string;
}

/** What the proxy asks an agent to dial. */
export interface TunnelDialRequest {
  serverId: string;
  type: TunnelType;
  /** `@local-node` for the node itself. */
  address: string;
  /** The client behind the request (`ip:port`). */
  clientAddr?: string;
}

/** Dials through reverse tunnels: what the proxy's routing needs (TunnelServer implements it). */
export interface TunnelDialer {
  /** Rejects with ConnectionProblemError when no tunnel to `serverId` is up, or the agent's typed refusal. */
  dial(req: TunnelDialRequest): Promise<Duplex>;
}

interface AgentConn {
  conn: SSHConnection;
  id: AgentIdentity;
  lastSeen: number;
  control?: Duplex;
  transport: boolean;
}

/** The listener; `start()` returns the bound address; `close()` drops every tunnel, safe twice. */
export class TunnelServer implements TunnelDialer {
  private server?: SSHServer;
  private closing?: Promise<void>;
  private readonly timers: Timers;
  private readonly heartbeatMs: number;
  private readonly conns = new Map<SSHConnection, AgentConn>();
  private readonly byServer = new Map<string, AgentConn[]>();
  private proxyIds: string[] | undefined;
  private readonly stops: (() => void)[] = [];

  constructor(private readonly o: TunnelServerOptions) {
    this.timers = o.timers ?? realTimers(undefined, { unref: true });
    this.heartbeatMs = o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  }

  /** Listens; throws BadParameterError for an unusable host key or certificate. */
  async start(): Promise<AddressInfo> {
    if (this.server) return this.server.address;
    this.server = await startSSHServer({
      host: this.o.host,
      port: this.o.port,
      listen: this.o.listen !== false,
      // Agents reconnect by themselves: at a reload they must reach the new process at once.
      handover: 'drop',
      hostKey: this.o.hostKey,
      hostCert: this.o.hostCert,
      logger: this.o.logger,
      authenticate: (ctx) => this.authenticate(ctx),
      onConnection: (conn) => this.onConnection(conn),
      onSession: (session) => void this.serveSession(session).catch((err: unknown) => this.bug(err)),
      onDirectTcpip: (req) => void this.serveDirectTcpip(req).catch((err: unknown) => this.bug(err)),
      onTcpipForward: (req) => this.onTcpipForward(req),
    });
    this.stops.push(every(this.timers, this.heartbeatMs, () => this.checkHeartbeats()));
    this.stops.push(every(this.timers, this.o.discoveryMs ?? DEFAULT_DISCOVERY_MS, () => void this.refreshProxies()));
    if (this.o.listen === false) this.o.logger.info('reverse tunnel server is up, reached through the web port');
    else this.o.logger.info({ addr: `${this.server.address.address}:${this.server.address.port}` }, 'reverse tunnel listener is up');
    return this.server.address;
  }

  /**
   * Serves an agent that arrived on another listener (the web port's `teleport-reversetunnel`
   * ALPN or its `SSH-` prefix), with the same checks as the tunnel port. Destroys `stream` when
   * the server is not started or closed.
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
      for (const stop of this.stops.splice(0)) stop();
      await this.server?.close();
    })();
    return this.closing;
  }

  /** The agents with a usable tunnel here, newest connection last per server. */
  agents(): AgentIdentity[] {
    return [...this.byServer.values()].map((list) => list[list.length - 1].id);
  }

  /** Opens a transport channel to `req.serverId`'s agent and has it dial `req.address`. */
  async dial(req: TunnelDialRequest): Promise<Duplex> {
    const list = this.byServer.get(req.serverId);
    const agent = list?.[list.length - 1];
    if (!agent) throw new ConnectionProblemError(`no reverse tunnel to "${req.serverId}" on this proxy: is its agent running and connected?`);
    const origin = splitClientAddr(req.clientAddr);
    let ch: Duplex;
    try {
      ch = await agent.conn.openForwardedTcpip({ boundAddr: TRANSPORT_BIND.addr, boundPort: TRANSPORT_BIND.port, originAddr: origin.host, originPort: origin.port });
    } catch (err) {
      throw new ConnectionProblemError(`the reverse tunnel to "${req.serverId}" refused a transport channel`, { cause: err });
    }
    writeFrame(ch, { version: PROTOCOL_VERSION, type: req.type, address: req.address, server_id: req.serverId, client_addr: req.clientAddr ?? '' });
    let reply: DialReply;
    try {
      reply = parseDialReply(await readFrame(ch, DIAL_TIMEOUT_MS));
    } catch (err) {
      ch.destroy();
      throw new ConnectionProblemError(`the agent of "${req.serverId}" did not answer the dial request: ${(err as Error).message}`, { cause: err });
    }
    if (!reply.ok) {
      ch.destroy();
      throw errorFromWire(reply.error.code, reply.error.message);
    }
    return ch;
  }

  private async authenticate(ctx: AuthContext): Promise<AuthResult> {
    const deny = (reason: string): AuthResult => ({ allow: false, reason });
    if (!ctx.cert) return deny('agents must log in with a host certificate');
    if (!ctx.signatureOk) return deny('bad signature');
    const suffix = `.${this.o.clusterName}`;
    if (!ctx.username.endsWith(suffix) || ctx.username.length === suffix.length) return deny(`login "${ctx.username}" is not <host_uuid>${suffix}`);
    try {
      verifyCertificate(ctx.cert, { trustedCAs: await this.o.hostCAKeys(), now: this.timers.now(), type: 'host', principal: ctx.username });
    } catch (err) {
      return deny((err as Error).message);
    }
    const role = ctx.cert.extensions[ROLE_EXTENSION] ?? '';
    if (!(this.o.roles ?? ['Node']).includes(role)) return deny(`role "${role}" may not open a reverse tunnel`);
    const id: AgentIdentity = { serverId: ctx.username, hostId: ctx.username.slice(0, -suffix.length), role };
    return { allow: true, identity: id };
  }

  private onConnection(conn: SSHConnection): void {
    const id = conn.identity as AgentIdentity;
    const agent: AgentConn = { conn, id, lastSeen: this.timers.now(), transport: false };
    this.conns.set(conn, agent);
    this.o.logger.info({ server_id: id.serverId, role: id.role, remote_addr: conn.remoteAddress }, 'agent connected');
    conn.onClose(() => {
      this.conns.delete(conn);
      this.unindex(agent);
      this.o.logger.info({ server_id: id.serverId, remote_addr: conn.remoteAddress }, 'agent disconnected');
    });
  }

  private onTcpipForward(req: TcpipForwardRequest): void {
    const agent = this.conns.get(req.conn);
    if (!agent || req.bindAddr !== TRANSPORT_BIND.addr || req.bindPort !== TRANSPORT_BIND.port) return req.reject();
    req.accept();
    if (req.kind === 'cancel') return this.unindex(agent);
    if (agent.transport) return;
    agent.transport = true;
    const list = this.byServer.get(agent.id.serverId) ?? [];
    list.push(agent);
    this.byServer.set(agent.id.serverId, list);
  }

  private unindex(agent: AgentConn): void {
    agent.transport = false;
    const list = this.byServer.get(agent.id.serverId)?.filter((a) => a !== agent) ?? [];
    if (list.length > 0) this.byServer.set(agent.id.serverId, list);
    else this.byServer.delete(agent.id.serverId);
  }

  private async serveSession(session: SSHSession): Promise<void> {
    const agent = this.conns.get(session.conn);
    for await (const req of session.requests) {
      if (req.type === 'subsystem' && req.name === CONTROL_SUBSYSTEM && agent && !agent.control) {
        const ch = req.accept();
        agent.control = ch.stream;
        ch.stream.on('error', () => {});
        ch.stream.on('close', () => session.conn.close());
        readLines(
          ch.stream,
          (line) => {
            // Anything well-formed counts as a sign of life; agents only send pings.
            parseControlMessage(line);
            agent.lastSeen = this.timers.now();
          },
          (err) => {
            this.o.logger.info({ server_id: agent.id.serverId, err: err.message }, 'agent sent a malformed control message');
            session.conn.close();
          },
        );
        writeLine(ch.stream, { type: 'hello', version: PROTOCOL_VERSION, proxy_id: this.o.proxyId, cluster_name: this.o.clusterName });
        const ids = this.proxyIds ?? (await this.refreshProxies());
        writeLine(ch.stream, discoveryMessage(ids));
      } else if ('reject' in req) {
        req.reject();
      }
    }
  }

  private async serveDirectTcpip(req: DirectTcpipRequest): Promise<void> {
    if (req.destHost !== REMOTE_AUTH_SERVER) return req.reject();
    let upstream: Duplex;
    try {
      upstream = await this.o.dialAuth();
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'cannot reach the auth server for an agent');
      return req.reject();
    }
    let ch: Duplex;
    try {
      ch = req.accept();
    } catch {
      upstream.destroy();
      return;
    }
    await splice(ch, upstream);
  }

  /** Drops agents silent for too long and pings the others. */
  private checkHeartbeats(): void {
    const now = this.timers.now();
    for (const agent of this.conns.values()) {
      if (now - agent.lastSeen > DEAD_AFTER * this.heartbeatMs) {
        this.o.logger.info({ server_id: agent.id.serverId }, 'agent missed its heartbeats, dropping its tunnel');
        agent.conn.close();
      } else if (agent.control) {
        writeLine(agent.control, { type: 'ping' });
      }
    }
  }

  /** Re-reads the proxy list; tells every agent when it changed. */
  private async refreshProxies(): Promise<string[]> {
    let ids: string[];
    try {
      ids = [...new Set([this.o.proxyId, ...(await this.o.proxies())])].sort();
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'cannot list proxies for discovery');
      return this.proxyIds ?? [this.o.proxyId];
    }
    const changed = this.proxyIds === undefined || ids.join(',') !== this.proxyIds.join(',');
    this.proxyIds = ids;
    if (changed) {
      for (const agent of this.conns.values()) if (agent.control) writeLine(agent.control, discoveryMessage(ids));
    }
    return ids;
  }

  private bug(err: unknown): void {
    this.o.logger.error({ err: (err as Error)?.message, stack: (err as Error)?.stack }, 'reverse tunnel handler failed');
  }
}

function splitClientAddr(addr: string | undefined): { host: string; port: number } {
  const m = addr ? (/^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:]+):(\d+)$/.exec(addr)) : null;
  return m ? { host: m[1], port: Number(m[2]) } : { host: '0.0.0.0', port: 0 };
}
