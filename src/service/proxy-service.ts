/**
 * The `proxy_service` of a process: its view of auth (in-process, or over the auth API with the
 * proxy's joined identity), the route core every protocol dials agents through, and its
 * listeners (web 3080, reverse tunnels 3024, SSH 3023), then its presence heartbeat. The
 * listeners start in `startListeners`: the place a listener front (one port for several
 * protocols) plugs in.
 */
import { createPrivateKey } from 'node:crypto';
import type { Clock } from '../api/clock.js';
import { AuthClient } from '../api/client/index.js';
import { BadParameterError, isCode } from '../api/errors.js';
import type { CertAuthority, Role } from '../api/types/index.js';
import { DEFAULT_PROXY_TTL_MS, caTLSCerts, type ProxyPresence } from '../auth/index.js';
import { formatAddr, type TeleportConfig } from '../config/index.js';
import type { AuditEmitter, RemoteEmitter } from '../events/index.js';
import { tlsServerOptions } from '../httpserver/index.js';
import { ConnectionLimiter } from '../limiter/index.js';
import { ProxySSHServer, ProxyWebServer, Router, type WebUIAuth } from '../proxy/index.js';
import type { ProxyAuth } from '../proxy/proxy-auth.js';
import { mysqlFront, postgresFront } from '../proxy/db/index.js';
import { kubeFront } from '../proxy/kube/index.js';
import { ProtocolRegistry, type ProxyListener } from '../proxy/mux/index.js';
import { AppProxy, type AppProxyAccess } from '../proxy/app/index.js';
import { localAppProxyAccess, remoteAppProxyAccess } from './app-proxy-access.js';
import type { TunnelServer } from '../reversetunnel/index.js';
import { remoteAuditEmitter } from './audit-service.js';
import { ensureHostIdentity, joinOptions } from './join.js';
import { localProxyReads, remoteProxyReads, type ProxyReads } from './proxy-reads.js';
import { RemoteProxyAuth } from './remote-proxy-auth.js';
import { localWebUIAuth } from './local-web-ui-auth.js';
import { RemoteWebUIAuth } from './remote-web-ui-auth.js';
import { routeTo, startProtocolListeners } from './proxy-listeners.js';
import type { ProcessAddresses, ProcessContext, Service, ServiceFactory } from './service.js';
import { clusterOfIdentity, loopbackFor, sshAlgorithms } from './ssh-services.js';
import { ProxyHeartbeat, dialTCP, proxyResource, startProxyTunnel, tunnelPublicAddr } from './tunnel-services.js';

/** The table entry: after auth, which a proxy in the same process uses in-process. */
export const proxyServiceFactory: ServiceFactory = { name: 'proxy', section: 'proxy_service', after: ['auth'], create: (ctx) => new ProxyService(ctx) };

/** What the proxy's listeners use of auth: in-process, or over the auth API. */
interface ProxyLink {
  auth: ProxyAuth;
  /** What the web UI runs on: the auth service of this process, or the auth API as each user. */
  webUIAuth: WebUIAuth;
  reads: ProxyReads;
  creds: { keyPem: string; ssh: string; tls: string; tlsCAs: string[] };
  presence: Pick<ProxyPresence, 'announce' | 'remove'>;
  audit: AuditEmitter;
  /** The cluster's user CA certificates (PEM): database clients' certificates are checked against them. */
  userTLSCAs(): Promise<string[]>;
  /** What application access reads: app sessions, the user and jwt CAs (app-proxy-access.ts). */
  apps: AppProxyAccess;
  /** The roles named, those that exist (the Kubernetes front checks kubernetes_labels with them). */
  roles(names: string[]): Promise<Role[]>;
}

/** How long a proxy without auth keeps the user CA it read before reading it again. */
const USER_CA_CACHE_MS = 30_000;

class ProxyService implements Service {
  readonly name = 'proxy';
  private web?: ProxyWebServer;
  private ssh?: ProxySSHServer;
  private tunnels?: TunnelServer;
  private heartbeat?: ProxyHeartbeat;
  private reads?: ProxyReads;
  private emitter?: RemoteEmitter;
  private remoteWebUI?: RemoteWebUIAuth;
  private apps?: AppProxy;
  /** What the web port and the protocol listeners route to (src/proxy/mux); services add handlers. */
  private readonly protocols = new ProtocolRegistry();
  private protocolListeners: ProxyListener[] = [];
  private closing?: Promise<void>;
  private readonly bound: Partial<ProcessAddresses> = {};

  constructor(private readonly ctx: ProcessContext) {}

  async start(): Promise<Partial<ProcessAddresses>> {
    const { ctx } = this;
    const link = ctx.localAuth ? await this.localLink() : await this.remoteLink();
    this.reads = link.reads;
    const router = new Router({ clusterName: ctx.clusterName, reads: link.reads, tunnels: () => this.tunnels, local: ctx.localAgents });
    ctx.router = router;
    ctx.proxyReads = link.reads;
    await this.startListeners(link, router);
    // Announced once every listener is up, so agents told of this proxy can reach it.
    this.heartbeat = new ProxyHeartbeat({
      presence: link.presence,
      resource: () => proxyResource(ctx.hostId, ctx.config.teleport.nodename, proxySSHPublicAddr(ctx.config, ctx.addresses, ctx.proxyPublicAddr()), ctx.proxyPublicAddr()),
      logger: ctx.logger.child({ component: 'proxy' }),
    });
    await this.heartbeat.start();
    return this.bound;
  }

  /**
   * The web port (3080: the web API, and by ALPN or first bytes the reverse tunnel, proxy SSH and
   * PostgreSQL), the reverse tunnel (3024, unless tunnels come through the web port) and SSH (3023)
   * listeners, then the separate protocol listeners the config asks for.
   */
  private async startListeners(link: ProxyLink, router: Router): Promise<void> {
    const { config, logger, clock, hostId, clusterName } = this.ctx;
    const { creds } = link;
    // PostgreSQL on the web port and postgres_listen_addr (src/proxy/db).
    this.protocols.register('postgres', postgresFront({ router, userTLSCAs: () => link.userTLSCAs(), clock, logger }));
    // MySQL on mysql_listen_addr and ALPN teleport-mysql.
    this.protocols.register('mysql', mysqlFront({ router, userTLSCAs: () => link.userTLSCAs(), clock, logger, serverVersion: config.proxy.mysqlServerVersion }));
    // Kubernetes on kube_listen_addr and the web port by SNI kube-teleport-proxy-alpn.* (src/proxy/kube).
    this.protocols.register('kube', kubeFront({ router, userTLSCAs: () => link.userTLSCAs(), roles: (names) => link.roles(names), hostTLS: { keyPem: creds.keyPem, certPem: creds.tls, caPems: creds.tlsCAs }, clock, logger }));
    // Application access: app hosts and certificates on the web port, TCP apps by ALPN teleport-tcp (src/proxy/app).
    const apps = (this.apps = new AppProxy({ router, access: link.apps, clusterName, publicAddr: () => this.ctx.proxyPublicAddr(), clock, logger: logger.child({ component: 'proxy:app' }) }));
    this.protocols.register('app-tcp', (stream, conn) => apps.handleTCP(stream, conn));
    this.web = new ProxyWebServer({
      host: config.proxy.webListenAddr.host,
      port: config.proxy.webListenAddr.port,
      auth: link.auth,
      webUIAuth: link.webUIAuth,
      tls: config.proxy.disableTls ? undefined : { certPem: creds.tls, keyPem: creds.keyPem },
      httpsKeypairs: config.proxy.httpsKeypairs,
      tlsOptions: tlsServerOptions(config.teleport.cipherSuites),
      publicAddr: () => this.ctx.proxyPublicAddr(),
      sshPublicAddr: () => proxySSHPublicAddr(config, this.ctx.addresses, this.ctx.proxyPublicAddr()),
      tunnelPublicAddr: () => tunnelPublicAddr(config, this.ctx.addresses.proxyTunnel, this.ctx.proxyPublicAddr()),
      dbAddrs: () => proxyDBAddrs(config, this.ctx.addresses, this.ctx.proxyPublicAddr()),
      kubeSettings: () => proxyKubeSettings(config, this.ctx.addresses),
      router,
      limiter: new ConnectionLimiter({ limits: config.teleport.connectionLimits, clock }),
      protocols: this.protocols,
      // Application access by host name, app certificates and the JWKS (src/proxy/app).
      apps: this.apps,
      upgradeTLS: { certPem: creds.tls, keyPem: creds.keyPem },
      ...(config.proxy.proxyProtocol && { proxyProtocol: config.proxy.proxyProtocol }),
      // Agents dial tunnels through the web port when there is no tunnel port, or when asked to.
      tlsRouting: () => !config.proxy.tunnelListenAddr || (Boolean(this.ctx.localAuth) && config.auth.proxyListenerMode === 'multiplex'),
      logger: logger.child({ component: 'proxy' }),
    });
    this.ctx.proxyProtocols = this.protocols;
    this.publish({ proxyWeb: await this.web.start() });
    const tunnel = await startProxyTunnel({ config, reads: link.reads, clusterName, proxyId: hostId, credentials: { keyPem: creds.keyPem, ssh: creds.ssh }, logger });
    this.tunnels = tunnel.server;
    routeTo(this.protocols, 'reversetunnel', tunnel.server);
    if (tunnel.address) this.publish({ proxyTunnel: { host: tunnel.address.address, port: tunnel.address.port } });
    const reads = link.reads;
    this.ssh = new ProxySSHServer({
      host: config.proxy.listenAddr.host,
      port: config.proxy.listenAddr.port,
      hostKey: createPrivateKey(creds.keyPem),
      hostCert: creds.ssh,
      access: { clusterName, userCAKeys: () => reads.userCAKeys(), authAddr: () => reads.authAddr(), dialAuth: () => reads.dialAuth(), router },
      clock,
      logger: logger.child({ component: 'proxy:ssh' }),
      audit: { emitter: link.audit, serverId: hostId, hostname: config.teleport.nodename },
      limiter: new ConnectionLimiter({ limits: config.teleport.connectionLimits, clock }),
      algorithms: sshAlgorithms(config),
    });
    const ssh = await this.ssh.start();
    routeTo(this.protocols, 'proxy-ssh', this.ssh);
    this.publish({ proxySSH: { host: ssh.address, port: ssh.port } });
    const separate = await startProtocolListeners({ config, registry: this.protocols, tls: { certPem: creds.tls, keyPem: creds.keyPem }, logger: logger.child({ component: 'proxy' }) });
    this.protocolListeners = separate.listeners;
    this.publish(separate.addresses);
  }

  /** Records bound addresses at once, so public-address lookups of later listeners see them. */
  private publish(addrs: Partial<ProcessAddresses>): void {
    Object.assign(this.bound, addrs);
    Object.assign(this.ctx.addresses, addrs);
  }

  /** The proxy's view of auth when auth runs in this process: the AuthService and the backend. */
  private async localLink(): Promise<ProxyLink> {
    const { server, services, addr } = this.ctx.localAuth!;
    const c = await server.hostCredentials('Proxy', this.ctx.config.proxy.publicAddrs.map((a) => a.host));
    return {
      auth: server.auth,
      webUIAuth: localWebUIAuth(server.auth),
      reads: localProxyReads({ services, clusterName: this.ctx.clusterName, authAddr: () => loopbackFor(addr), dial: dialTCP }),
      creds: { keyPem: c.keyPem, ssh: c.ssh, tls: c.tls, tlsCAs: c.tlsCAs },
      presence: server.auth.proxies,
      audit: server.auth.auditLog,
      userTLSCAs: async () => caTLSCerts(await services.authorities('user').get(this.ctx.clusterName)),
      apps: localAppProxyAccess(server.auth, services, this.ctx.clusterName, async () => caTLSCerts(await services.authorities('user').get(this.ctx.clusterName)), this.ctx.logger),
      roles: (names) => existingRoles(names, (n) => services.roles.get(n)),
    };
  }

  /**
   * The proxy's view of auth in a proxy-only process: joins as Proxy (or loads the stored identity)
   * and talks to the auth API with that identity, failing over between the `auth_servers` in order.
   */
  private async remoteLink(): Promise<ProxyLink> {
    const { config, logger, hostId } = this.ctx;
    const clock: Clock = this.ctx.clock;
    const t = config.teleport;
    const authAddrs = t.authServers.map(formatAddr);
    if (authAddrs.length === 0) {
      throw new BadParameterError('a proxy without auth_service needs the auth servers to reach: set teleport.auth_servers or pass --auth-server');
    }
    const identity = await ensureHostIdentity(
      joinOptions(t, { hostId, role: 'Proxy', authServers: authAddrs, additionalPrincipals: config.proxy.publicAddrs.map((a) => a.host), logger }),
    );
    if (!identity.sshCert || !identity.tlsCert) throw new BadParameterError('the proxy identity lacks its SSH or TLS certificate; remove data_dir/identity/proxy.pem and join again');
    const clusterName = clusterOfIdentity(identity.tlsCert, hostId);
    this.ctx.clusterName = clusterName;
    const client = new AuthClient({
      addr: authAddrs[0],
      fallbackAddrs: authAddrs.slice(1),
      clusterName,
      credentials: { keyPem: identity.keyPem, certPem: identity.tlsCert, caPems: identity.tlsCAs },
    });
    this.emitter = remoteAuditEmitter(client, clock, logger);
    const reads = remoteProxyReads({ client, clusterName, dial: dialTCP, clock, logger: logger.child({ component: 'proxy:cache' }) });
    this.remoteWebUI = new RemoteWebUIAuth({
      client,
      userClient: (credentials) => new AuthClient({ addr: client.addr, fallbackAddrs: client.allAddrs, clusterName, credentials }),
      caPems: identity.tlsCAs,
      clusterName,
      hostCAKeys: () => reads.hostCAKeys(),
      clock,
    });
    return {
      auth: new RemoteProxyAuth(client, clusterName, clock),
      webUIAuth: this.remoteWebUI,
      reads,
      creds: { keyPem: identity.keyPem, ssh: identity.sshCert, tls: identity.tlsCert, tlsCAs: identity.tlsCAs },
      presence: {
        announce: (proxy, ttlMs) => client.heartbeatProxy(proxy, ttlMs ?? DEFAULT_PROXY_TTL_MS),
        remove: (_caller, name) => client.deleteProxy(name),
      },
      audit: this.emitter,
      userTLSCAs: cachedFor(USER_CA_CACHE_MS, clock, async () => caTLSCerts(await client.getResource<CertAuthority>('cert_authority', `user/${clusterName}`))),
      apps: remoteAppProxyAccess(client, clusterName, cachedFor(USER_CA_CACHE_MS, clock, async () => caTLSCerts(await client.getResource<CertAuthority>('cert_authority', `user/${clusterName}`))), this.ctx.logger),
      roles: (names) => existingRoles(names, (n) => client.getResource<Role>('role', n)),
    };
  }

  /** Stops announcing, then the listeners; the cache and emitter last. Safe twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.heartbeat?.close();
      this.reads?.close();
      await this.emitter?.close();
      for (const l of this.protocolListeners) await l.close();
      await this.tunnels?.close();
      await this.ssh?.close();
      await this.web?.close();
      this.apps?.close();
      this.remoteWebUI?.close();
    })();
    return this.closing;
  }
}

/** `host:port` users reach the proxy at: the first public_addr, else the bound web address. */
export function proxyPublicAddr(config: TeleportConfig, addresses: ProcessAddresses): string {
  const pub = config.proxy.publicAddrs[0];
  if (pub) return formatAddr(pub);
  const bound = addresses.proxyWeb ?? config.proxy.webListenAddr;
  const host = bound.host === '0.0.0.0' || bound.host === '::' ? config.teleport.nodename : bound.host;
  return formatAddr({ host, port: bound.port });
}

/**
 * Ping's `proxy.db`: `mysql_listen_addr` where MySQL clients reach the proxy (mysql_public_addr,
 * else the bound listener with the web host when it listens on every address), as Teleport's ping.
 */
export function proxyDBAddrs(config: TeleportConfig, addresses: ProcessAddresses, webPublicAddr: string): Record<string, string> {
  const pub = config.proxy.mysqlPublicAddrs[0];
  const bound = addresses.proxyMySQL ?? config.proxy.mysqlListenAddr;
  if (!pub && !bound) return {};
  const webHost = webPublicAddr.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const at = pub ?? { host: !bound!.host || bound!.host === '0.0.0.0' || bound!.host === '::' ? webHost : bound!.host, port: bound!.port };
  return { mysql_listen_addr: formatAddr(at) };
}

/** `host:port` clients reach the proxy's SSH listener at: ssh_public_addr, else the bound address. */
export function proxySSHPublicAddr(config: TeleportConfig, addresses: ProcessAddresses, webPublicAddr: string): string {
  const pub = config.proxy.sshPublicAddrs[0];
  if (pub) return formatAddr(pub);
  const bound = addresses.proxySSH ?? config.proxy.listenAddr;
  const webHost = webPublicAddr.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const host = bound.host === '0.0.0.0' || bound.host === '::' ? webHost : bound.host;
  return formatAddr({ host, port: bound.port });
}

/** `read`, its last answer kept for `ms` (a failed read is not kept). */
function cachedFor<T>(ms: number, clock: Clock, read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = clock.now();
    if (!last || now - last.at > ms) {
      const value = read();
      last = { at: now, value };
      value.catch(() => (last = undefined));
    }
    return last.value;
  };
}

/** The roles of `names` that exist (a role deleted since the certificate was issued is left out). */
async function existingRoles(names: string[], get: (name: string) => Promise<Role>): Promise<Role[]> {
  const out: Role[] = [];
  for (const name of names) {
    try {
      out.push(await get(name));
    } catch (err) {
      if (!isCode(err, 'not_found')) throw err;
    }
  }
  return out;
}

/**
 * Ping's `proxy.kube`: Kubernetes is always served (on the web port by SNI); `listen_addr` is the
 * bound kube_listen_addr (or legacy kubernetes.listen_addr), `public_addr` kube_public_addr (or the
 * legacy kubernetes.public_addr), as tsh kube login reads them.
 */
export function proxyKubeSettings(config: TeleportConfig, addresses: ProcessAddresses): { enabled: boolean; public_addr?: string; listen_addr?: string } {
  const pub = config.proxy.kubePublicAddrs[0] ?? config.proxy.kubernetes.publicAddrs[0];
  const bound = addresses.proxyKube;
  return { enabled: true, ...(pub && { public_addr: formatAddr(pub) }), ...(bound && { listen_addr: formatAddr(bound) }) };
}
