/**
 * What the proxy routes to, whatever the protocol: one resource an agent serves (an SSH node, a
 * database, a Kubernetes cluster, an application), named by its heartbeat, with where its agent
 * is reached (in this process, at an address, or through the host's reverse tunnel).
 */
import type { AgentServer, AgentServerKind, Node } from '../../api/types/index.js';

/** The kinds of target, as the reverse tunnel's types name them. */
export const ROUTE_KINDS = ['node', 'db', 'kube', 'app'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

/** The heartbeat kind of each non-SSH target kind. */
export const SERVER_KIND: Record<Exclude<RouteKind, 'node'>, AgentServerKind> = { db: 'db_server', kube: 'kube_server', app: 'app_server' };

/** The heartbeat a target kind is known by: a Node for `node`, an AgentServer for the rest. */
export type ServerOf<K extends RouteKind> = K extends 'node' ? Node : AgentServer;

/** A resolved target. */
export interface RouteTarget {
  kind: RouteKind;
  /** The resource's name: a node's UUID; a database's, cluster's or application's name. */
  name: string;
  /** UUID of the host whose agent serves it. */
  hostId: string;
  hostname: string;
  /** `host:port` to dial directly; empty when there is none. */
  addr: string;
  /** Reached through its host's reverse tunnel. */
  useTunnel: boolean;
}

/** The target a node heartbeat describes (a node's host is the node). */
export function nodeTarget(node: Node): RouteTarget {
  const name = node.metadata.name;
  return { kind: 'node', name, hostId: name, hostname: node.spec.hostname, addr: node.spec.addr ?? '', useTunnel: node.spec.use_tunnel === true };
}

/** The target a db_server, kube_server or app_server heartbeat describes. */
export function agentServerTarget(kind: Exclude<RouteKind, 'node'>, server: AgentServer): RouteTarget {
  const { spec } = server;
  return {
    kind,
    name: server.metadata.name,
    hostId: spec.host_id,
    hostname: spec.hostname,
    addr: spec.addr ?? '',
    // Agents of these kinds are reached through their tunnel unless they heartbeat an address.
    useTunnel: spec.use_tunnel === true || !spec.addr,
  };
}

/** `hostname (name)`, for logs and messages. */
export function describeTarget(t: RouteTarget): string {
  return `${t.hostname || '?'} (${t.name})`;
}
