/**
 * The reverse tunnel side of a proxy: the tunnel listener (`tunnel_listen_addr`, 3024) reading CAs
 * and the proxy list from the cluster, relaying agents to auth, and the proxy's own presence
 * heartbeat that discovery reads; and which proxy a host without auth joins through (the host's
 * side of the tunnels is agent-link.ts).
 */
import { createPrivateKey } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../api/clock.js';
import { isProxy } from '../api/client/index.js';
import { ConnectionProblemError, isCode } from '../api/errors.js';
import type { ProxyServer } from '../api/types/index.js';
import { VERSION } from '../api/version.js';
import { DEFAULT_PROXY_TTL_MS, type ProxyPresence } from '../auth/index.js';
import { formatAddr, type NetAddr, type TeleportConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { TunnelServer, every, realTimers } from '../reversetunnel/index.js';
import type { ProxyReads } from './proxy-reads.js';

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

/**
 * Starts the tunnel server: listening on `proxy_service.tunnel_listen_addr`, or without a listener
 * of its own when that is unset (agents then arrive through the web port); `address` is then unset.
 */
export async function startProxyTunnel(opts: StartProxyTunnelOptions): Promise<{ server: TunnelServer; address?: AddressInfo }> {
  const { reads, clusterName } = opts;
  const listen = opts.config.proxy.tunnelListenAddr;
  const server = new TunnelServer({
    host: listen?.host ?? '',
    port: listen?.port ?? 0,
    listen: listen !== undefined,
    hostKey: createPrivateKey(opts.credentials.keyPem),
    hostCert: opts.credentials.ssh,
    clusterName,
    proxyId: opts.proxyId,
    hostCAKeys: () => reads.hostCAKeys(),
    proxies: () => reads.proxyNames(),
    dialAuth: () => reads.dialAuth(),
    // Nodes, and hosts that joined for their database, Kubernetes or application service only.
    roles: ['Node', 'Db', 'Kube', 'App'],
    logger: opts.logger.child({ component: 'proxy:tunnel' }),
  });
  const address = await server.start();
  return { server, ...(listen && { address }) };
}

/**
 * `host:port` agents reach the tunnel server at: tunnel_public_addr, else the bound address with
 * a wildcard host replaced by the host of the proxy's public web address; the web address itself
 * when the tunnel server has no listener of its own.
 */
export function tunnelPublicAddr(config: TeleportConfig, bound: NetAddr | undefined, webPublicAddr: string): string {
  const pub = config.proxy.tunnelPublicAddrs[0];
  if (pub) return formatAddr(pub);
  const addr = bound ?? config.proxy.tunnelListenAddr;
  if (!addr) return webPublicAddr;
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
