/**
 * From a requested SSH target to an open connection: the cluster's auth API for `proxy:@cluster`,
 * else the one registered node the host names (resolve-node.ts), dialed by the route core (in this
 * process, through its reverse tunnel as `<uuid>.<cluster>`, or at its advertised address).
 */
import type { Duplex } from 'node:stream';
import { BadParameterError, ConnectionProblemError } from '../../api/errors.js';
import { describeTarget, dialTCP } from '../route/index.js';
import type { ProxySSHAccess } from './access.js';
import { resolveNode } from './resolve-node.js';
import { goQuote, splitHostPort } from './subsystem.js';

/** A dialed target; `node` is the node's UUID when the target is a node. */
export interface DialedTarget {
  /** A TCP socket, an in-memory pipe, or a tunnel's transport channel. */
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
  const { router } = access;
  const { target: resolved } = await router.resolve('node', (nodes) => resolveNode(nodes, target.host, target.port, access.clusterName));
  const socket = await router.dial(resolved, { ...(timeoutMs !== undefined && { timeoutMs }), ...(clientAddr && { clientAddr }) });
  return { socket, name: describeTarget(resolved), node: resolved.name };
}
