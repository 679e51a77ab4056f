/**
 * Names for host certificates: the SNI-safe encoding of a cluster name and the SANs Teleport puts
 * on a host's TLS certificate.
 */
import { isIP } from 'node:net';
import { BadParameterError } from '../api/errors.js';

/** Suffix of every name Teleport's own components dial each other by. */
export const TELEPORT_DOMAIN = 'teleport.cluster.local';

/** SNI for a cluster's auth API: `hex(name) + ".teleport.cluster.local"`. */
export function encodeClusterName(name: string): string {
  return `${Buffer.from(name, 'utf8').toString('hex')}.${TELEPORT_DOMAIN}`;
}

/**
 * Inverse of `encodeClusterName`. Throws BadParameterError when the name is not of that form.
 */
export function decodeClusterName(serverName: string): string {
  const suffix = `.${TELEPORT_DOMAIN}`;
  const hex = serverName.endsWith(suffix) ? serverName.slice(0, -suffix.length) : '';
  if (!/^(?:[0-9a-f]{2})+$/.test(hex)) {
    throw new BadParameterError(`"${serverName}" is not an encoded cluster name`);
  }
  return Buffer.from(hex, 'hex').toString('utf8');
}

/** Options for `hostIdentitySANs`. */
export interface HostSANOptions {
  hostId: string;
  nodeName: string;
  clusterName: string;
  /** Extra principals such as public addresses; IPs become IP SANs. */
  additional?: string[];
}

/**
 * SANs of a host certificate: Teleport's host principals (`<hostId>.<cluster>`, `<hostId>`,
 * `<nodeName>.<cluster>`, `<nodeName>`, `localhost`, `127.0.0.1`, `::1`, extras) plus
 * `*.teleport.cluster.local` and `teleport.cluster.local`; deduplicated, split into DNS and IP.
 */
export function hostIdentitySANs(opts: HostSANOptions): { dnsNames: string[]; ipAddresses: string[] } {
  if (!opts.hostId) throw new BadParameterError('missing host ID');
  if (!opts.clusterName) throw new BadParameterError('missing cluster name');
  const principals = [
    `${opts.hostId}.${opts.clusterName}`,
    opts.hostId,
    ...(opts.nodeName ? [`${opts.nodeName}.${opts.clusterName}`, opts.nodeName] : []),
    'localhost',
    '127.0.0.1',
    '::1',
    ...(opts.additional ?? []),
    `*.${TELEPORT_DOMAIN}`,
    TELEPORT_DOMAIN,
  ];
  const dnsNames = new Set<string>();
  const ipAddresses = new Set<string>();
  for (const p of principals) {
    if (p) (isIP(p) ? ipAddresses : dnsNames).add(p);
  }
  return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
}
