/**
 * A host's link to the cluster through a proxy (`proxy_server`, or an `auth_servers` entry that
 * answers like a proxy): its identity joined over the proxy's web API (or loaded), one reverse
 * tunnel to every proxy (the agent pool), the dial-handler registry every agent service of the
 * host registers its tunnel type in, and the auth API reached through the tunnels. One per
 * process, shared by the SSH, database, Kubernetes and application services.
 */
import { createPrivateKey } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ALPN, dialALPN } from '../api/alpn.js';
import type { Clock } from '../api/clock.js';
import { AuthClient, findProxy, joinViaProxy, splitHostPort } from '../api/client/index.js';
import { BadParameterError } from '../api/errors.js';
import type { IdentityBundle } from '../api/identity-file.js';
import { formatAddr, type TeleportConfig } from '../config/index.js';
import type { RemoteEmitter } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { AgentPool, DialHandlers } from '../reversetunnel/index.js';
import { parseAuthorizedKey } from '../sshca/index.js';
import { remoteAuditEmitter } from './audit-service.js';
import { ensureHostIdentity, joinOptions } from './join.js';
import { clusterOfIdentity } from './ssh-services.js';

/** How long a host waits for its first tunnel before its services start anyway (heartbeats retry). */
const FIRST_TUNNEL_WAIT_MS = 15_000;

/** What opening the link needs from the process. */
export interface AgentLinkOptions {
  config: TeleportConfig;
  hostId: string;
  /** The proxy's web address (`host:port`). */
  proxyAddr: string;
  /** The system role the host joins with: Node, or Db / Kube / App for a host that runs only the database / Kubernetes / application service. */
  role: 'Node' | 'Db' | 'Kube' | 'App';
  /** Host names and addresses the host certificate also names. */
  additionalPrincipals: string[];
  clock: Clock;
  logger: Logger;
}

/** An open link; `close()` ends the tunnels and flushes the audit emitter, safe twice. */
export interface AgentLink {
  clusterName: string;
  /** `<host_uuid>.<cluster>`. */
  serverId: string;
  identity: IdentityBundle & { sshCert: string; tlsCert: string };
  /** The proxy web address the host joined through. */
  proxyAddr: string;
  pool: AgentPool;
  /** Where each agent service registers the handler of its tunnel type. */
  handlers: DialHandlers;
  /** The auth API, through the tunnels (the host needs no route to auth). */
  client: AuthClient;
  /** Audit events to auth through `client`. */
  emitter: RemoteEmitter;
  close(): Promise<void>;
}

/**
 * Joins through the proxy (or loads the stored identity) and starts the agent pool. Throws
 * BadParameterError for a missing token or identity, AccessDeniedError when the proxy's CA does
 * not match the pin or the token is refused.
 */
export async function openAgentLink(opts: AgentLinkOptions): Promise<AgentLink> {
  const { config, logger, proxyAddr } = opts;
  const t = config.teleport;
  const joined: IdentityBundle = await ensureHostIdentity(
    joinOptions(t, {
      hostId: opts.hostId,
      role: opts.role,
      authServers: [proxyAddr],
      additionalPrincipals: opts.additionalPrincipals,
      register: (addr, caPins, req) => joinViaProxy({ addr, caPins, ...(t.insecure && { insecure: true }) }, req),
      logger,
    }),
  );
  const { sshCert, tlsCert } = joined;
  if (!sshCert || !tlsCert) throw new BadParameterError(`the ${opts.role.toLowerCase()} identity lacks its SSH or TLS certificate; remove data_dir/identity/${opts.role.toLowerCase()}.pem and join again`);
  const identity = { ...joined, sshCert, tlsCert };
  const clusterName = clusterOfIdentity(tlsCert, opts.hostId);
  const serverId = `${opts.hostId}.${clusterName}`;
  const handlers = new DialHandlers(serverId);
  // Set by each resolve, used by the dial right after it: through the web port (TLS routing) or not.
  let throughWeb = false;
  const pool = new AgentPool({
    serverId,
    clusterName,
    hostKey: createPrivateKey(identity.keyPem),
    hostCert: sshCert,
    hostCAKeys: () => hostCAKeysOf(identity),
    resolveAddr: async () => {
      const target = await tunnelTargetOf(proxyAddr);
      throughWeb = target.throughWeb;
      return target.addr;
    },
    dial: async (addr) => (throughWeb ? dialTunnelThroughWeb(addr) : undefined),
    handler: handlers.handle,
    logger: logger.child({ component: 'agent' }),
  });
  pool.start();
  try {
    await pool.waitConnected(FIRST_TUNNEL_WAIT_MS);
  } catch (err) {
    logger.warn({ component: 'agent', proxy: proxyAddr, err: (err as Error).message }, 'no reverse tunnel yet, starting the services anyway (the agent keeps trying)');
  }
  const client = new AuthClient({ addr: proxyAddr, clusterName, credentials: { keyPem: identity.keyPem, certPem: tlsCert, caPems: identity.tlsCAs }, dial: () => pool.dialAuth() });
  const emitter = remoteAuditEmitter(client, opts.clock, logger);
  let closing: Promise<void> | undefined;
  return {
    clusterName,
    serverId,
    identity,
    proxyAddr,
    pool,
    handlers,
    client,
    emitter,
    close: () =>
      (closing ??= (async () => {
        await emitter.close();
        await pool.close();
      })()),
  };
}

/** The host CA keys a joined host trusts proxies with: the `@cert-authority` lines it received. */
function hostCAKeysOf(identity: IdentityBundle): Buffer[] {
  const out: Buffer[] = [];
  for (const line of identity.knownHosts) {
    const fields = line.trim().split(/\s+/);
    // `@cert-authority <hosts> <type> <base64> [comment]`
    const at = fields[0] === '@cert-authority' ? 2 : 0;
    try {
      out.push(parseAuthorizedKey(fields.slice(at).join(' ')).blob);
    } catch {
      // Not a key line: nothing to trust from it.
    }
  }
  return out;
}

/**
 * Where the proxy at `proxyAddr` takes tunnels: its web port when it routes by ALPN, else the
 * tunnel address it advertises, its wildcard host replaced by the proxy's.
 */
async function tunnelTargetOf(proxyAddr: string): Promise<{ addr: string; throughWeb: boolean }> {
  const find = await findProxy({ addr: proxyAddr, timeoutMs: 10_000 });
  // TLS routing (Teleport's single port): the tunnel is on the web port the agent joined through.
  if (find.proxy.tls_routing_enabled) return { addr: proxyAddr, throughWeb: true };
  const advertised = find.proxy.ssh.ssh_tunnel_public_addr;
  const proxyHost = splitHostPort(proxyAddr).host;
  if (!advertised) return { addr: formatAddr({ host: proxyHost, port: 3024 }), throughWeb: false };
  const { host, port } = splitHostPort(advertised.includes(':') ? advertised : `${advertised}:3024`);
  return { addr: formatAddr({ host: host === '0.0.0.0' || host === '::' || host === '' ? proxyHost : host, port }), throughWeb: false };
}

/**
 * A tunnel through the proxy's web port: TLS with ALPN `teleport-reversetunnel`. The TLS layer
 * checks no certificate on purpose: the SSH inside verifies the proxy's host certificate against
 * the cluster's host CA, as on the tunnel port. A load balancer that terminates TLS without ALPN
 * in front of a plain proxy is fine too: the proxy tells SSH from its first bytes.
 */
function dialTunnelThroughWeb(addr: string): Promise<Duplex> {
  const { host, port } = splitHostPort(addr);
  return dialALPN({ host, port, protocol: ALPN.reverseTunnel, insecure: true, allowNoALPN: true, timeoutMs: 15_000 });
}
