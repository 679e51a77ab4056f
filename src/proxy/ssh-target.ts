/**
 * From a requested target to an open TCP connection: the cluster's auth API for `proxy:@cluster`,
 * else the one registered node the host names (see ssh-route.ts), dialed at its advertised address.
 */
import type { Socket } from 'node:net';
import { BadParameterError, ConnectionProblemError, TeleportError } from '../api/errors.js';
import { dialTCP } from './ssh-relay.js';
import { nodeDialAddr, resolveNode } from './ssh-route.js';
import { goQuote, splitHostPort } from './ssh-subsystem.js';
import type { ProxySSHAccess } from './ssh-server.js';

/** A dialed target; `node` is the node's UUID when the target is a node. */
export interface DialedTarget {
  socket: Socket;
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
): Promise<DialedTarget> {
  if (target.cluster !== '' && target.cluster !== access.clusterName) {
    throw new BadParameterError(`invalid format for proxy request: unknown cluster ${goQuote(target.cluster)}`);
  }
  if (target.host === '') {
    const raw = access.authAddr();
    const addr = splitHostPort(raw);
    if (!addr || addr.port === '') throw new ConnectionProblemError(`the auth server address ${goQuote(raw)} is not host:port`);
    return { socket: await dialTCP(addr.host, Number(addr.port), timeoutMs), name: 'auth' };
  }
  const node = resolveNode(await access.nodes(), target.host, target.port, access.clusterName);
  const name = `${node.spec.hostname || '?'} (${node.metadata.name})`;
  const addr = nodeDialAddr(node);
  try {
    return { socket: await dialTCP(addr.host, addr.port, timeoutMs), name, node: node.metadata.name };
  } catch (err) {
    const why = err instanceof TeleportError ? err.message : String(err);
    throw new ConnectionProblemError(`failed connecting to node ${node.spec.hostname || node.metadata.name}: ${why}`, { cause: err });
  }
}
