/**
 * Which registered node a `proxy:host:port` (or `direct-tcpip`) target means: by UUID, by
 * `<uuid>.<cluster>`, by hostname or address (with the port when one is given, as Teleport's router
 * matches), or by a label selector `k=v[,k2=v2]`. Exactly one node must match.
 */
import { BadParameterError, NotFoundError } from '../../api/errors.js';
import { nodeLabels, type Node } from '../../api/types/index.js';
import { splitHostPort } from './subsystem.js';

/** More than one node matches a target; `candidates` names them (`hostname (uuid)`). */
export class AmbiguousHostError extends NotFoundError {
  readonly candidates: string[];
  constructor(candidates: string[]) {
    const shown = candidates.slice(0, 10).join(', ') + (candidates.length > 10 ? `, and ${candidates.length - 10} more` : '');
    super(
      `ambiguous host could match multiple nodes: ${shown}\n\n` +
        'Hint: address the node by its unique id (ex: user@<node-uuid>), or by labels that only it has',
    );
    this.candidates = candidates;
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one node in `nodes` that `host` (and `port`, empty or `0` for any) names in cluster
 * `clusterName`. Throws NotFoundError when none does, AmbiguousHostError when several do and
 * BadParameterError for a malformed label selector.
 */
export function resolveNode(nodes: Node[], host: string, port: string, clusterName: string): Node {
  const matches = host.includes('=') ? byLabels(nodes, parseLabelSelector(host)) : byName(nodes, host, port, clusterName);
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) throw new AmbiguousHostError(matches.map((n) => `${n.spec.hostname || '?'} (${n.metadata.name})`));
  if (host.includes('=')) throw new NotFoundError(`no node matches the labels ${host}`);
  if (UUID_RE.test(host)) throw new NotFoundError(`unable to locate node matching UUID-like target ${host}`);
  const shown = port === '' || port === '0' ? host : `${host}:${port}`;
  throw new NotFoundError(`node "${shown}" not found: direct dialing to nodes not found in inventory is not supported`);
}

/** `k=v[,k2=v2]` → labels. Throws BadParameterError for an empty key or a part without `=`. */
export function parseLabelSelector(selector: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of selector.split(',')) {
    const i = part.indexOf('=');
    const key = part.slice(0, i).trim();
    if (i < 0 || key === '') throw new BadParameterError(`invalid label selector "${selector}": expected key=value[,key2=value2]`);
    out[key] = part.slice(i + 1).trim();
  }
  return out;
}

function byLabels(nodes: Node[], want: Record<string, string>): Node[] {
  return nodes.filter((n) => {
    const have = nodeLabels(n);
    return Object.entries(want).every(([k, v]) => have[k] === v);
  });
}

function byName(nodes: Node[], host: string, port: string, clusterName: string): Node[] {
  // A UUID (node names are unique) wins over everything else, port or not.
  const suffix = `.${clusterName}`;
  const bare = host.endsWith(suffix) ? host.slice(0, -suffix.length) : undefined;
  for (const name of bare === undefined ? [host] : [host, bare]) {
    const exact = nodes.find((n) => n.metadata.name === name);
    if (exact) return [exact];
  }
  const matches = nodes.filter((n) => matchesHostOrAddr(n, host, port));
  // `node1.<cluster>` is how OpenSSH configs for a cluster name its hosts.
  if (matches.length === 0 && bare !== undefined) return nodes.filter((n) => matchesHostOrAddr(n, bare, port));
  return matches;
}

function matchesHostOrAddr(node: Node, host: string, port: string): boolean {
  const hostnameMatch = node.spec.hostname === host;
  // Tunnel nodes have no address to compare: only the hostname routes to them.
  if (node.spec.use_tunnel) return hostnameMatch;
  const anyPort = port === '' || port === '0';
  return [node.spec.addr ?? '', ...(node.spec.public_addrs ?? [])].some((a) => {
    const addr = splitHostPort(a);
    if (!addr) return false;
    if (!anyPort && addr.port !== port) return false;
    return hostnameMatch || addr.host === host;
  });
}
