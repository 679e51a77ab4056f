/**
 * From a requested target to an open connection: the cluster's auth API for `proxy:@cluster`,
 * else the one registered node the host names (see ssh-route.ts), dialed at its advertised address
 * or, for a node that heartbeats `use_tunnel`, through its reverse tunnel as `<uuid>.<cluster>`.
 */
import type { Duplex } from 'node:stream';
import { BadParameterError, ConnectionProblemError, TeleportError, isCode } from '../api/errors.js';
import type { Node } from '../api/types/index.js';
import { LOCAL_NODE } from '../reversetunnel/index.js';
import { dialTCP } from './ssh-relay.js';
import { nodeDialAddr, resolveNode } from './ssh-route.js';
import { goQuote, splitHostPort } from './ssh-subsystem.js';
import type { ProxySSHAccess } from './ssh-server.js';

/** A dialed target; `node` is the node's UUID when the target is a node. */
export interface DialedTarget {
  /** A TCP socket, or a tunnel's transport channel. */
  socket: Duplex;
  /** `hostname (uuid)` or `auth`, for logs. */
  name: string;
  node?: string;
}

/**
 * Dial what `host`/`port` name in `cluster` (empty: the proxy's own). Throws BadParameterError
 * for an unknown cluster, NotFoundError / AmbiguousHostError from routing, ConnectionProblemError
 * when the target does not answer.
 */
export async function dialTarget(
  access: ProxySSHAccess,
  target: { host: string; port: string; cluster: string },
  timeoutMs?: number,
  /** The client's `ip:port`, passed to tunnelled nodes. */
  clientAddr?: string,
): Promise<DialedTarget> {
  if (target.cluster !== '' && target.cluster !== access.clusterName) {
    throw new BadParameterError(`invalid format for proxy request: unknown cluster ${goQuote(target.cluster)}`);
  }
  if (target.host === '') {
    if (access.dialAuth) return { socket: await access.dialAuth(), name: 'auth' };
    const raw = access.authAddr();
    const addr = splitHostPort(raw);
    if (!addr || addr.port === '') throw new ConnectionProblemError(`the auth server address ${goQuote(raw)} is not host:port`);
    return { socket: await dialTCP(addr.host, Number(addr.port), timeoutMs), name: 'auth' };
  }
  let node: Node;
  try {
    node = resolveNode(await access.nodes(), target.host, target.port, access.clusterName);
  } catch (err) {
    if (!access.freshNodes || !isCode(err, 'not_found')) throw err;
    node = resolveNode(await access.freshNodes(), target.host, target.port, access.clusterName);
  }
  const name = `${node.spec.hostname || '?'} (${node.metadata.name})`;
  return { socket: await dialNode(access, node, { timeoutMs, clientAddr }), name, node: node.metadata.name };
}

/**
 * A byte stream to `node`'s SSH service: in memory when it runs in this process (`dialLocal`), else
 * TCP to its address, or its reverse tunnel when it has `use_tunnel` and `access.tunnels` is set.
 * Throws ConnectionProblemError when it cannot be reached.
 */
export async function dialNode(
  access: Pick<ProxySSHAccess, 'clusterName' | 'tunnels' | 'dialLocal'>,
  node: Node,
  opts: { timeoutMs?: number; clientAddr?: string } = {},
): Promise<Duplex> {
  const fail = (err: unknown): never => {
    const why = err instanceof TeleportError ? err.message : String(err);
    throw new ConnectionProblemError(`failed connecting to node ${node.spec.hostname || node.metadata.name}: ${why}`, { cause: err });
  };
  const local = access.dialLocal?.(node.metadata.name);
  if (local) return local;
  if (node.spec.use_tunnel && access.tunnels) {
    const serverId = `${node.metadata.name}.${access.clusterName}`;
    return access.tunnels.dial({ serverId, type: 'node', address: LOCAL_NODE, ...(opts.clientAddr && { clientAddr: opts.clientAddr }) }).catch(fail);
  }
  const addr = nodeDialAddr(node);
  return dialTCP(addr.host, addr.port, opts.timeoutMs).catch(fail);
}
