/**
 * Presence: the heartbeats hosts send about themselves (stored with an expiry, so a host that stops
 * heartbeating disappears), and the listing users see, filtered by what their roles let them reach.
 */
import { BadParameterError } from '../api/errors.js';
import type { Clock } from '../api/clock.js';
import type { Node } from '../api/types/index.js';
import { nodeLabels, validateNode } from '../api/types/index.js';
import type { Services } from '../services/index.js';
import type { Caller } from './caller.js';
import { authorize } from './caller.js';

/** How long a heartbeat keeps a node listed when none is given (Teleport's server announce TTL). */
export const DEFAULT_NODE_TTL_MS = 10 * 60_000;
/** The longest a heartbeat may ask for. */
const MAX_NODE_TTL_MS = 60 * 60_000;

/**
 * Stores a node's heartbeat with an expiry `ttlMs` from now. Authorized as any write of a node
 * record: a Node host may announce only itself (its host UUID), the administrator any node.
 */
export async function upsertNodeHeartbeat(services: Services, clock: Clock, caller: Caller, clusterName: string, input: unknown, ttlMs = DEFAULT_NODE_TTL_MS): Promise<Node> {
  const node = validateNode(input);
  authorize(caller, 'node', 'create', node);
  authorize(caller, 'node', 'update', node);
  if (!Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_NODE_TTL_MS) throw new BadParameterError(`heartbeat ttl must be between 1ms and ${MAX_NODE_TTL_MS}ms`);
  node.metadata.expires = new Date(clock.now() + ttlMs).toISOString();
  return services.nodes.upsert(node);
}

/**
 * Nodes the caller may see: all for hosts and the administrator, label-filtered for users. With
 * `host`, only the nodes it may name (UUID, hostname or address host, also without `.<cluster>`),
 * so that tsh resolving one host does not fetch every node of a large cluster.
 */
export async function listNodes(services: Services, caller: Caller, host?: { name: string; clusterName: string }): Promise<Node[]> {
  authorize(caller, 'node', 'list');
  let nodes = await services.nodes.list();
  if (host) nodes = nodes.filter((n) => mayName(n, host.name, host.clusterName));
  if (caller.systemRole) return nodes;
  return nodes.filter((n) => caller.checker.canSeeNode({ labels: nodeLabels(n) }));
}

/** Whether `name` could name `node`: its UUID, hostname or the host of one of its addresses. */
function mayName(node: Node, name: string, clusterName: string): boolean {
  const suffix = `.${clusterName}`;
  const names = name.endsWith(suffix) ? [name, name.slice(0, -suffix.length)] : [name];
  const addrHosts = [node.spec.addr ?? '', ...(node.spec.public_addrs ?? [])].map((a) => a.replace(/^\[?(.*?)\]?(:\d+)?$/, '$1'));
  return names.some((n) => n === node.metadata.name || n === node.spec.hostname || addrHosts.includes(n));
}
