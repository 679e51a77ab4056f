/**
 * The reverse tunnel side of a process. On a proxy: the tunnel listener (`tunnel_listen_addr`,
 * 3024) reading CAs and the proxy list from the local backend, relaying agents to the local auth
 * server, and the proxy's own presence heartbeat that discovery reads. On a host that joins
 * through a proxy (`proxy_server`, or an `auth_servers` entry that answers like a proxy): joining
 * over the proxy's web API, the agent pool, and the SSH node served through it with no listener.
 */
import { createPrivateKey } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../api/clock.js';
import { AuthClient, findProxy, isProxy, joinViaProxy, splitHostPort } from '../api/client/index.js';
import { BadParameterError, ConnectionProblemError, NotImplementedError, isCode } from '../api/errors.js';
import type { IdentityBundle } from '../api/identity-file.js';
import type { ProxyServer } from '../api/types/index.js';
import { VERSION } from '../api/version.js';
import { DEFAULT_PROXY_TTL_MS, type ProxyPresence } from '../auth/index.js';
import { formatAddr, type NetAddr, type TeleportConfig } from '../config/index.js';
import type { RemoteEmitter } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { NodeService } from '../node/index.js';
import type { NodeRecorder } from '../recordings/index.js';
import { AgentPool, LOCAL_NODE, TunnelServer, every, realTimers, type DialHandler } from '../reversetunnel/index.js';
import { parseAuthorizedKey } from '../sshca/index.js';
import { remoteAuditEmitter } from './audit-service.js';
import { ensureHostIdentity } from './join.js';
import type { ProxyReads } from './proxy-reads.js';
import { startNodeRecorder } from './recordings.js';
import { CachedAccessPoint } from './cached-access-point.js';
import { AuthAccessPoint, clusterOfIdentity, sshAlgorithms } from './ssh-services.js';

/** How long a node waits for its first tunnel before starting anyway (heartbeats retry). */
const FIRST_TUNNEL_WAIT_MS = 15_000;
/** How often a proxy announces itself; jittered by up to a tenth. */
const PROXY_ANNOUNCE_MS = 60_000;

/** What the proxy's tunnel listener needs from a process with auth in it. */
export interface StartProxyTunnelOptions {
  config: TeleportConfig;
  reads: ProxyReads;
  clusterName: string;
  /** This proxy's host UUID. */
  proxyId: string;
  credentials: { keyPem: string; ssh: string };
  logger: Logger;
}

/** Starts the tunnel listener on `proxy_service.tunnel_listen_addr`. */
export async function startProxyTunnel(opts: StartProxyTunnelOptions): Promise<{ server: TunnelServer; address: AddressInfo }> {
  const { reads, clusterName } = opts;
  const listen = opts.config.proxy.tunnelListenAddr;
  const server = new TunnelServer({
    host: listen.host,
    port: listen.port,
    hostKey: createPrivateKey(opts.credentials.keyPem),
    hostCert: opts.credentials.ssh,
    clusterName,
    proxyId: opts.proxyId,
    hostCAKeys: () => reads.hostCAKeys(),
    proxies: () => reads.proxyNames(),
    dialAuth: () => reads.dialAuth(),
    logger: opts.logger.child({ component: 'proxy:tunnel' }),
  });
  const address = await server.start();
  return { server, address };
}

/**
 * `host:port` agents reach the tunnel listener at: tunnel_public_addr, else the bound address with
 * a wildcard host replaced by the host of the proxy's public web address.
 */
export function tunnelPublicAddr(config: TeleportConfig, bound: NetAddr | undefined, webPublicAddr: string): string {
  const pub = config.proxy.tunnelPublicAddrs[0];
  if (pub) return formatAddr(pub);
  const addr = bound ?? config.proxy.tunnelListenAddr;
  const webHost = webPublicAddr.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const host = addr.host === '0.0.0.0' || addr.host === '::' || addr.host === '' ? webHost : addr.host;
  return formatAddr({ host, port: addr.port });
}

/** A proxy's presence heartbeat through the in-process auth server; `close` removes it. */
export class ProxyHeartbeat {
  private stop?: () => void;
  private closed = false;

  constructor(
    private readonly o: { presence: Pick<ProxyPresence, 'announce' | 'remove'>; resource: () => ProxyServer; logger: Logger; clock?: Clock; random?: () => number },
  ) {}

  /** Announces now, then every minute or so until closed. */
  async start(): Promise<void> {
    await this.announce();
    const jitter = Math.floor((this.o.random ?? Math.random)() * (PROXY_ANNOUNCE_MS / 10));
    this.stop = every(realTimers(this.o.clock, { unref: true }), PROXY_ANNOUNCE_MS + jitter, () => void this.announce());
  }

  /** Stops announcing and removes the heartbeat, so agents stop seeking this proxy. Safe twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop?.();
    try {
      await this.o.presence.remove(undefined, this.o.resource().metadata.name);
    } catch (err) {
      if (!isCode(err, 'not_found')) this.o.logger.warn({ err: (err as Error).message }, 'could not remove the proxy heartbeat');
    }
  }

  private async announce(): Promise<void> {
    if (this.closed) return;
    try {
      await this.o.presence.announce(this.o.resource(), DEFAULT_PROXY_TTL_MS);
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'proxy heartbeat failed');
    }
  }
}

/** The proxy resource a process announces. */
export function proxyResource(hostId: string, hostname: string, sshAddr: string, publicAddr: string): ProxyServer {
  return { kind: 'proxy', version: 'v2', metadata: { name: hostId }, spec: { addr: sshAddr, hostname, public_addr: publicAddr, version: VERSION } };
}

/**
 * The proxy web address a host without a local auth server joins through, if any: `proxy_server`,
 * else the first `auth_servers` entry when it answers `/webapi/find` like a proxy.
 */
export async function proxyToJoinThrough(config: TeleportConfig): Promise<string | undefined> {
  const t = config.teleport;
  if (t.proxyServer) return formatAddr(t.proxyServer);
  const first = t.authServers[0];
  if (first && (await isProxy({ addr: formatAddr(first), timeoutMs: 5_000 }))) return formatAddr(first);
  return undefined;
}

/** What a node reached through reverse tunnels needs from the process. */
export interface StartTunnelNodeOptions {
  config: TeleportConfig;
  hostId: string;
  /** The proxy's web address (`host:port`). */
  proxyAddr: string;
  clock: Clock;
  logger: Logger;
}

/** A running tunnel node: the SSH service, its agent pool and what records for it. */
export interface TunnelNode {
  service: NodeService;
  pool: AgentPool;
  recorder: NodeRecorder;
  emitter: RemoteEmitter;
}

/**
 * Joins through the proxy (or loads the stored identity), starts the agent pool and the node
 * service behind it. Throws BadParameterError for a missing token or identity, AccessDeniedError
 * when the proxy's CA does not match the pin or the token is refused.
 */
export async function startTunnelNode(opts: StartTunnelNodeOptions): Promise<TunnelNode> {
  const { config, logger, proxyAddr } = opts;
  const t = config.teleport;
  const identity: IdentityBundle = await ensureHostIdentity({
    dataDir: t.dataDir,
    hostId: opts.hostId,
    nodeName: t.nodename,
    role: 'Node',
    authServers: [proxyAddr],
    token: t.authToken,
    caPins: t.caPins,
    additionalPrincipals: config.ssh.publicAddrs.map((a) => a.host),
    register: (addr, caPins, req) => joinViaProxy({ addr, caPins }, req),
    logger,
  });
  const { sshCert, tlsCert } = identity;
  if (!sshCert || !tlsCert) throw new BadParameterError('the node identity lacks its SSH or TLS certificate; remove data_dir/identity/node.pem and join again');
  const clusterName = clusterOfIdentity(tlsCert, opts.hostId);
  const serverId = `${opts.hostId}.${clusterName}`;
  const hostKey = createPrivateKey(identity.keyPem);
  let service: NodeService | undefined;
  const handler: DialHandler = (req, peer) => {
    if (req.server_id !== '' && req.server_id !== serverId) throw new BadParameterError(`this agent is ${serverId}, not ${req.server_id}`);
    if (req.type !== 'node' || req.address !== LOCAL_NODE) throw new NotImplementedError(`this agent serves no ${req.type} service at ${req.address}`);
    const node = service;
    if (!node) throw new ConnectionProblemError('the SSH service of this agent is not running yet');
    return (stream: Duplex) => node.serveConnection(stream, peer);
  };
  const pool = new AgentPool({
    serverId,
    clusterName,
    hostKey,
    hostCert: sshCert,
    hostCAKeys: () => hostCAKeysOf(identity),
    resolveAddr: () => tunnelAddrOf(proxyAddr),
    handler,
    logger: logger.child({ component: 'agent' }),
  });
  pool.start();
  try {
    await pool.waitConnected(FIRST_TUNNEL_WAIT_MS);
  } catch (err) {
    logger.warn({ component: 'agent', proxy: proxyAddr, err: (err as Error).message }, 'no reverse tunnel yet, starting the node anyway (it keeps trying)');
  }
  try {
    // The auth API only through the tunnels: the node needs no route to auth.
    const client = new AuthClient({ addr: proxyAddr, clusterName, credentials: { keyPem: identity.keyPem, certPem: tlsCert, caPems: identity.tlsCAs }, dial: () => pool.dialAuth() });
    const emitter = remoteAuditEmitter(client, opts.clock, logger);
    const recorder = await startNodeRecorder({ config, hostId: opts.hostId, clusterName, client, clock: opts.clock, logger });
    service = new NodeService({
      host: '',
      port: 0,
      useTunnel: true,
      hostId: opts.hostId,
      nodeName: t.nodename,
      hostKey,
      hostCert: sshCert,
      config: config.ssh,
      access: new CachedAccessPoint({ direct: new AuthAccessPoint(client, clusterName, opts.clock), client, logger: logger.child({ component: 'node:cache' }) }),
      clock: opts.clock,
      logger: logger.child({ component: 'node' }),
      recorder,
      audit: emitter,
      algorithms: sshAlgorithms(config),
    });
    await service.start();
    return { service, pool, recorder, emitter };
  } catch (err) {
    await pool.close();
    throw err;
  }
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

/** The tunnel address the proxy at `proxyAddr` advertises, its wildcard host replaced by the proxy's. */
async function tunnelAddrOf(proxyAddr: string): Promise<string> {
  const find = await findProxy({ addr: proxyAddr, timeoutMs: 10_000 });
  const advertised = find.proxy.ssh.ssh_tunnel_public_addr;
  const proxyHost = splitHostPort(proxyAddr).host;
  if (!advertised) return formatAddr({ host: proxyHost, port: 3024 });
  const { host, port } = splitHostPort(advertised.includes(':') ? advertised : `${advertised}:3024`);
  return formatAddr({ host: host === '0.0.0.0' || host === '::' || host === '' ? proxyHost : host, port });
}

/** A TCP connection to `addr`. ConnectionProblemError when it cannot be made. */
export function dialTCP(addr: NetAddr): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: addr.host, port: addr.port });
    sock.once('connect', () => {
      sock.off('error', fail);
      resolve(sock);
    });
    const fail = (err: Error) => reject(new ConnectionProblemError(`cannot reach the auth server at ${formatAddr(addr)}: ${err.message}`, { cause: err }));
    sock.once('error', fail);
  });
}
