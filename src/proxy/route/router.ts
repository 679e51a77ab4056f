/**
 * The protocol-neutral route core: resolves a target of any kind (`node`, `db`, `kube`, `app`)
 * from the heartbeats the proxy reads (the backend of an in-process auth server, or the watch-fed
 * cache of a proxy-only process), and dials the agent serving it by one of three paths: an
 * in-memory pipe when the agent runs in this process, its reverse tunnel when it heartbeats
 * `use_tunnel` (as `<host_uuid>.<cluster>`, tunnel type = the kind), else TCP to its address.
 * Each protocol's proxy side (SSH today) picks the target its own way and relays the stream.
 */
import type { Duplex } from 'node:stream';
import { ConnectionProblemError, TeleportError, isCode } from '../../api/errors.js';
import { splitHostPort } from '../../api/client/index.js';
import type { AgentServer, AgentServerKind, Node } from '../../api/types/index.js';
import { LOCAL_NODE, type TunnelDialer } from '../../reversetunnel/index.js';
import type { LocalAgents, LocalRequestHandler } from './local-agents.js';
import { SERVER_KIND, agentServerTarget, nodeTarget, type RouteKind, type RouteTarget, type ServerOf } from './target.js';
import { dialTCP } from './tcp-dial.js';

/** What the route core reads: heartbeats of every server kind. */
export interface RouteReads {
  /** Every registered node. */
  nodes(): Promise<Node[]>;
  /** The nodes past any cache: asked once when a target is not in `nodes()` (a node that just joined). */
  freshNodes?(): Promise<Node[]>;
  /** Every db_server, kube_server or app_server heartbeat; none when absent. */
  agentServers?(kind: AgentServerKind): Promise<AgentServer[]>;
  /** The same past any cache. */
  freshAgentServers?(kind: AgentServerKind): Promise<AgentServer[]>;
}

/** Options of the route core. */
export interface RouterOptions {
  clusterName: string;
  reads: RouteReads;
  /** The proxy's reverse tunnel server (looked up at each dial: it may start after the router). */
  tunnels?: () => TunnelDialer | undefined;
  /** Agents running in this process. */
  local?: LocalAgents;
  /** TCP dial timeout. */
  dialTimeoutMs?: number;
}

/** How a target is dialed. */
export interface RouteDialOptions {
  /** The client behind the request (`ip:port`), passed to tunnelled agents to see and audit. */
  clientAddr?: string;
  timeoutMs?: number;
  /**
   * Secures a TCP connection to the agent's address before it is returned (a Kubernetes service's
   * listener wants mutual TLS); in-memory and tunnel streams are returned as they are.
   */
  overTCP?: (socket: Duplex, target: RouteTarget) => Promise<Duplex>;
}

/** How messages name each kind. */
const KIND_WORD: Record<RouteKind, string> = { node: 'node', db: 'database', kube: 'Kubernetes cluster', app: 'application' };

/** The route core of one proxy. */
export class Router {
  constructor(private readonly o: RouterOptions) {}

  get clusterName(): string {
    return this.o.clusterName;
  }

  /** Every heartbeat of `kind` (from the cache when there is one; `fresh` reads past it). */
  async servers<K extends RouteKind>(kind: K, fresh = false): Promise<ServerOf<K>[]> {
    const { reads } = this.o;
    if (kind === 'node') {
      const nodes = fresh && reads.freshNodes ? await reads.freshNodes() : await reads.nodes();
      return nodes as ServerOf<K>[];
    }
    const serverKind = SERVER_KIND[kind as Exclude<RouteKind, 'node'>];
    const read = fresh && reads.freshAgentServers ? reads.freshAgentServers : reads.agentServers;
    return ((await read?.call(reads, serverKind)) ?? []) as ServerOf<K>[];
  }

  /**
   * The one heartbeat of `kind` that `pick` chooses, and its target. `pick` throws NotFoundError
   * when none matches; the heartbeats are then read once more past the cache (a host that just
   * joined) before the error stands.
   */
  async resolve<K extends RouteKind>(kind: K, pick: (servers: ServerOf<K>[]) => ServerOf<K>): Promise<{ server: ServerOf<K>; target: RouteTarget }> {
    let server: ServerOf<K>;
    try {
      server = pick(await this.servers(kind));
    } catch (err) {
      if (!isCode(err, 'not_found') || !this.hasFresh(kind)) throw err;
      server = pick(await this.servers(kind, true));
    }
    return { server, target: this.targetOf(kind, server) };
  }

  /** The target a heartbeat of `kind` describes. */
  targetOf<K extends RouteKind>(kind: K, server: ServerOf<K>): RouteTarget {
    return kind === 'node' ? nodeTarget(server as Node) : agentServerTarget(kind as Exclude<RouteKind, 'node'>, server as AgentServer);
  }

  /**
   * A byte stream to the agent serving `target`: in memory when it runs in this process, through
   * its host's reverse tunnel when it uses one, else TCP to its address. Throws
   * ConnectionProblemError naming the target when it cannot be reached (or the agent's typed
   * refusal, wrapped the same way).
   */
  async dial(target: RouteTarget, opts: RouteDialOptions = {}): Promise<Duplex> {
    const word = KIND_WORD[target.kind];
    const fail = (err: unknown): never => {
      const why = err instanceof TeleportError ? err.message : String(err);
      throw new ConnectionProblemError(`failed connecting to ${word} ${target.hostname || target.name}: ${why}`, { cause: err });
    };
    const local = this.o.local?.dial(target.kind, target.hostId, { name: target.name, ...(opts.clientAddr && { clientAddr: opts.clientAddr }) });
    if (local) return local;
    const tunnels = this.o.tunnels?.();
    if (target.useTunnel && tunnels) {
      const serverId = `${target.hostId}.${this.o.clusterName}`;
      const address = target.kind === 'node' ? LOCAL_NODE : target.name;
      return tunnels.dial({ serverId, type: target.kind, address, ...(opts.clientAddr && { clientAddr: opts.clientAddr }) }).catch(fail);
    }
    const addr = targetDialAddr(target);
    const socket = await dialTCP(addr.host, addr.port, opts.timeoutMs ?? this.o.dialTimeoutMs).catch(fail);
    if (!opts.overTCP) return socket;
    return opts.overTCP(socket, target).catch((err: unknown) => {
      socket.destroy();
      return fail(err);
    });
  }

  /** The request handler of `target`'s agent when it runs in this process (see LocalAgents); else undefined. */
  localHandler<M>(target: RouteTarget): LocalRequestHandler<M> | undefined {
    return this.o.local?.handler<M>(target.kind, target.hostId);
  }

  private hasFresh(kind: RouteKind): boolean {
    return kind === 'node' ? this.o.reads.freshNodes !== undefined : this.o.reads.freshAgentServers !== undefined;
  }
}

/**
 * `host:port` to dial `target` at. Throws ConnectionProblemError for a target only reachable
 * through a reverse tunnel (when the proxy runs no tunnel listener) or without a usable address.
 */
export function targetDialAddr(target: RouteTarget): { host: string; port: number } {
  const word = KIND_WORD[target.kind];
  const name = target.hostname || target.name;
  if (target.addr !== '') {
    try {
      return splitHostPort(target.addr);
    } catch {
      // Reported below with what was heartbeated.
    }
  }
  if (target.useTunnel) throw new ConnectionProblemError(`${word} "${name}" is only reachable through a reverse tunnel, and this proxy runs no tunnel listener`);
  throw new ConnectionProblemError(`${word} "${name}" has no usable address (addr ${JSON.stringify(target.addr)})`);
}
