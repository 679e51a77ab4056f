/**
 * The names a host certificate may carry. A host certificate's principals and DNS names are how
 * clients tell hosts apart, so joining and renewal share one check: no name another registered host
 * holds (its UUID, `<uuid>.<cluster>`, its hostname, `<hostname>.<cluster>`), no wildcards, and on
 * renewal nothing beyond the names the host joined with.
 */
import type { HostCertsRequest } from '../api/auth-wire.js';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import type { Services } from '../services/index.js';

/** Names every host certificate carries (hostPrincipals in certs.ts); nobody owns them. */
export const SHARED_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

/** A hostname, IPv4 or IPv6 address: no wildcards (OpenSSH matches `*` and `?` in host principals). */
const NAME_RE = /^[A-Za-z0-9._:-]{1,253}$/;

/**
 * The names `req` asks for besides the host UUID: node_name, additional_principals and dns_names.
 * BadParameterError when one is not a string list of host names.
 */
export function requestedHostNames(req: HostCertsRequest): string[] {
  const out: string[] = [];
  const add = (field: string, v: unknown): void => {
    if (typeof v !== 'string' || !NAME_RE.test(v)) {
      throw new BadParameterError(`${field}: ${JSON.stringify(v)} is not a host name or address (letters, digits, '.', '-', '_', ':'; no wildcards)`);
    }
    out.push(v);
  };
  if (req.node_name !== undefined && req.node_name !== '') add('node_name', req.node_name);
  for (const field of ['additional_principals', 'dns_names'] as const) {
    const list = req[field];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length > 100) throw new BadParameterError(`${field} must be a list of at most 100 host names`);
    for (const v of list) add(field, v);
  }
  return out;
}

/**
 * Throws AccessDeniedError when a name of `names` belongs to a registered node or proxy other than
 * `hostId` (compared without case, as DNS does).
 */
export async function checkNamesNotHeld(services: Services, clusterName: string, hostId: string, names: string[]): Promise<void> {
  const wanted = new Set(names.map((n) => n.toLowerCase()).filter((n) => !SHARED_NAMES.has(n)));
  if (wanted.size === 0) return;
  const hosts = [...(await services.nodes.list()), ...(await services.proxies.list())];
  for (const h of hosts) {
    if (h.metadata.name === hostId) continue;
    const held = [h.metadata.name, `${h.metadata.name}.${clusterName}`];
    const hostname = (h.spec as { hostname?: string }).hostname;
    if (hostname) held.push(hostname, `${hostname}.${clusterName}`);
    const taken = held.find((n) => wanted.has(n.toLowerCase()));
    if (taken !== undefined) {
      throw new AccessDeniedError(
        `host "${hostId}" may not have "${taken}" in its certificate: it names the registered ${h.kind} ${h.metadata.name}${hostname ? ` (${hostname})` : ''}; give this host a nodename of its own`,
      );
    }
  }
}

/**
 * A renewing host's names must be among those of the certificate it holds (its subject alternative
 * names): AccessDeniedError naming the first one that is not.
 */
export function checkNamesHeld(hostId: string, names: string[], held: readonly string[]): void {
  const have = new Set(held.map((n) => n.toLowerCase()));
  const extra = names.find((n) => !have.has(n.toLowerCase()));
  if (extra !== undefined) {
    throw new AccessDeniedError(`host "${hostId}" may not add "${extra}" to its certificate: a renewal keeps the names the host joined with`);
  }
}
