/**
 * The SSH node of a process reached directly (not through a tunnel): its identity from the local
 * auth server or from joining, its access point over the auth API, and the addresses it advertises.
 */
import { createPrivateKey } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../api/clock.js';
import { BadParameterError, isCode } from '../api/errors.js';
import { AuthClient } from '../api/client/index.js';
import type { SemaphoreLeaseWire } from '../api/client/auth-client.js';
import type { IdentityBundle } from '../api/identity-file.js';
import type { AuthPreference, CertAuthority, NetworkingConfig, Node, Role, SessionTracker } from '../api/types/index.js';
import { NETWORKING_CONFIG_NAME } from '../api/types/index.js';
import { caSSHPublicBlobs, type AuthServer } from '../auth/index.js';
import { formatAddr, type NetAddr, type TeleportConfig } from '../config/index.js';
import type { AuditEmitter, RemoteEmitter } from '../events/index.js';
import { ConnectionLimiter } from '../limiter/index.js';
import type { Logger } from '../log/index.js';
import { NodeService, type NodeAccessPoint } from '../node/index.js';
import type { NodeRecorder } from '../recordings/index.js';
import type { SSHAlgorithms } from '../sshutils/index.js';
import { identityFromCertificate } from '../tlsca/index.js';
import { remoteAuditEmitter } from './audit-service.js';
import { CachedAccessPoint } from './cached-access-point.js';
import { ensureHostIdentity, joinOptions } from './join.js';
import { startNodeRecorder } from './recordings.js';

/** How long the node trusts a fetched CA set before asking again. */
const CA_CACHE_MS = 30_000;

/** A node's view of the cluster through the auth API, with its host identity. */
export class AuthAccessPoint implements NodeAccessPoint {
  private caCache?: { at: number; keys: Buffer[] };

  constructor(
    private readonly client: AuthClient,
    readonly clusterName: string,
    private readonly clock: Clock,
  ) {}

  async userCAKeys(): Promise<Buffer[]> {
    const now = this.clock.now();
    if (this.caCache && now - this.caCache.at < CA_CACHE_MS) return this.caCache.keys;
    const ca = await this.client.getResource<CertAuthority>('cert_authority', `user/${this.clusterName}`);
    const keys = caSSHPublicBlobs(ca);
    this.caCache = { at: now, keys };
    return keys;
  }

  async roles(names: string[]): Promise<Role[]> {
    const out: Role[] = [];
    for (const name of names) {
      try {
        out.push(await this.client.getResource<Role>('role', name));
      } catch (err) {
        if ((err as { code?: string }).code !== 'not_found') throw err;
      }
    }
    return out;
  }

  authPreference(): Promise<AuthPreference> {
    return this.client.getResource<AuthPreference>('cluster_auth_preference', 'cluster-auth-preference');
  }

  async networkingConfig(): Promise<NetworkingConfig | undefined> {
    try {
      return await this.client.getResource<NetworkingConfig>('cluster_networking_config', NETWORKING_CONFIG_NAME);
    } catch (err) {
      // An auth server of an older release stores none: the defaults apply.
      if (isCode(err, 'not_found')) return undefined;
      throw err;
    }
  }

  acquireSemaphore(req: Parameters<AuthClient['acquireSemaphore']>[0]): Promise<SemaphoreLeaseWire> {
    return this.client.acquireSemaphore(req);
  }

  renewSemaphore(lease: SemaphoreLeaseWire, expiresMs: number): Promise<SemaphoreLeaseWire> {
    return this.client.renewSemaphore(lease, expiresMs);
  }

  cancelSemaphore(lease: SemaphoreLeaseWire): Promise<void> {
    return this.client.cancelSemaphore(lease);
  }

  async heartbeat(node: Node, ttlMs: number): Promise<{ reconnectWindowMs?: number }> {
    const answer = await this.client.heartbeatNode<{ reconnect_window_ms?: unknown }>(node, ttlMs);
    const w = answer?.reconnect_window_ms;
    return typeof w === 'number' ? { reconnectWindowMs: w } : {};
  }

  async upsertSessionTracker(tracker: SessionTracker, ttlMs: number): Promise<void> {
    await this.client.upsertSessionTracker(tracker, ttlMs);
  }

  async deleteSessionTracker(sessionId: string): Promise<void> {
    await this.client.deleteSessionTracker(sessionId);
  }
}

/** What starting the node needs from the process. */
export interface StartNodeOptions {
  config: TeleportConfig;
  hostId: string;
  clock: Clock;
  logger: Logger;
  /** The auth server of this process, when it runs one. */
  local?: { server: AuthServer; addr: NetAddr };
}

/** Obtains the node's identity, connects its access point and starts listening. */
export async function startNode(opts: StartNodeOptions): Promise<{ service: NodeService; address: AddressInfo; recorder: NodeRecorder; emitter?: RemoteEmitter }> {
  const { config, logger } = opts;
  const t = config.teleport;
  const extraNames = config.ssh.publicAddrs.map((a) => a.host);
  let identity: IdentityBundle;
  let authAddrs: string[];
  if (opts.local) {
    const c = await opts.local.server.hostCredentials('Node', extraNames);
    identity = { keyPem: c.keyPem, sshCert: c.ssh, tlsCert: c.tls, tlsCAs: c.tlsCAs, knownHosts: [] };
    authAddrs = [formatAddr(loopbackFor(opts.local.addr))];
  } else {
    authAddrs = t.authServers.map(formatAddr);
    identity = await ensureHostIdentity(joinOptions(t, { hostId: opts.hostId, role: 'Node', authServers: authAddrs, additionalPrincipals: extraNames, logger }));
  }
  const { sshCert, tlsCert } = identity;
  if (!sshCert || !tlsCert) throw new BadParameterError('the node identity lacks its SSH or TLS certificate; remove data_dir/identity/node.pem and join again');
  const clusterName = clusterOfIdentity(tlsCert, opts.hostId);
  const client = new AuthClient({
    addr: authAddrs[0],
    fallbackAddrs: authAddrs.slice(1),
    clusterName,
    credentials: { keyPem: identity.keyPem, certPem: tlsCert, caPems: identity.tlsCAs },
  });
  // With the auth server in this process, events go straight to its audit log; else over the API.
  const emitter = opts.local ? undefined : remoteAuditEmitter(client, opts.clock, logger);
  const audit: AuditEmitter = opts.local ? opts.local.server.auth.auditLog : emitter!;
  const recorder = await startNodeRecorder({ config, hostId: opts.hostId, clusterName, client, clock: opts.clock, logger });
  const service = new NodeService({
    host: config.ssh.listenAddr.host,
    port: config.ssh.listenAddr.port,
    hostId: opts.hostId,
    nodeName: t.nodename,
    hostKey: createPrivateKey(identity.keyPem),
    hostCert: sshCert,
    config: config.ssh,
    access: new CachedAccessPoint({ direct: new AuthAccessPoint(client, clusterName, opts.clock), client, logger: logger.child({ component: 'node:cache' }) }),
    clock: opts.clock,
    logger: logger.child({ component: 'node' }),
    advertiseAddr: (bound: AddressInfo) => nodeAdvertiseAddr(config, bound),
    recorder,
    audit,
    limiter: new ConnectionLimiter({ limits: t.connectionLimits, clock: opts.clock }),
    algorithms: sshAlgorithms(config),
  });
  const address = await service.start();
  return { service, address, recorder, ...(emitter && { emitter }) };
}

/** `teleport.ciphers`, `kex_algos` and `mac_algos`: what this process's SSH servers and clients offer. */
export function sshAlgorithms(config: TeleportConfig): SSHAlgorithms {
  const t = config.teleport;
  return { ...(t.ciphers && { ciphers: t.ciphers }), ...(t.kexAlgorithms && { kex: t.kexAlgorithms }), ...(t.macAlgorithms && { macs: t.macAlgorithms }) };
}

/** The cluster a host identity belongs to: its certificate names it `<host_id>.<cluster>`. */
export function clusterOfIdentity(tlsCert: string, hostId: string): string {
  const username = identityFromCertificate(tlsCert).username;
  if (!username.startsWith(`${hostId}.`)) throw new BadParameterError(`the stored host identity belongs to "${username}", not to host ${hostId}`);
  return username.slice(hostId.length + 1);
}

/** Dial a wildcard listen address over loopback. */
export function loopbackFor(addr: NetAddr): NetAddr {
  return addr.host === '0.0.0.0' || addr.host === '::' || addr.host === '' ? { host: '127.0.0.1', port: addr.port } : addr;
}

/**
 * The address the proxy dials this node at: the first public_addr, else the bound address, with a
 * wildcard host replaced by advertise_ip or this host's first non-loopback IPv4 address.
 */
export function nodeAdvertiseAddr(config: TeleportConfig, bound: AddressInfo): string {
  return advertiseAddr(config.ssh.publicAddrs, config, bound);
}

/** The address a listening service heartbeats: the first of `publicAddrs`, else the bound one (wildcard host replaced as for a node). */
export function advertiseAddr(publicAddrs: NetAddr[], config: TeleportConfig, bound: AddressInfo): string {
  const pub = publicAddrs[0];
  if (pub) return formatAddr(pub);
  let host = bound.address;
  if (host === '0.0.0.0' || host === '::') host = config.teleport.advertiseIp ?? guessHostIP();
  return formatAddr({ host, port: bound.port });
}

function guessHostIP(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
