/**
 * The composition root: starts the services a config asks for in one process, in order (auth,
 * then proxy), plus the diag listener and pid file; stops them in reverse. The CLI wires signals
 * to `close()` and `reload()`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import { systemClock, type Clock } from '../api/clock.js';
import { AuthClient } from '../api/client/index.js';
import { BadParameterError, NotImplementedError } from '../api/errors.js';
import { AuthServer, DEFAULT_PROXY_TTL_MS, type ProxyPresence } from '../auth/index.js';
import type { Backend } from '../backend/index.js';
import { formatAddr, type NetAddr, type TeleportConfig } from '../config/index.js';
import { ConnectionLimiter } from '../limiter/index.js';
import type { Logger } from '../log/index.js';
import type { NodeService } from '../node/index.js';
import { ProxyWebServer, localWebUIAuth, type ProxySSHServer, type WebUIAuth } from '../proxy/index.js';
import type { AuditEmitter, AuditLog, RemoteEmitter } from '../events/index.js';
import type { ProxyAuth } from '../proxy/proxy-auth.js';
import type { NodeRecorder } from '../recordings/index.js';
import type { AgentPool, TunnelServer } from '../reversetunnel/index.js';
import { createServices, type Services } from '../services/index.js';
import { openAuditLog, remoteAuditEmitter } from './audit-service.js';
import { DiagServer } from './diag-server.js';
import { ensureHostId } from './host-id.js';
import { authRecordings } from './recordings.js';
import { ensureHostIdentity } from './join.js';
import { localProxyReads, remoteProxyReads, type ProxyReads } from './proxy-reads.js';
import { RemoteProxyAuth } from './remote-proxy-auth.js';
import { RemoteWebUIAuth } from './remote-web-ui-auth.js';
import { clusterOfIdentity, localNodeDialer, loopbackFor, startNode, startProxySSH } from './ssh-services.js';
import { openStorage } from './storage.js';
import { ProxyHeartbeat, dialTCP, proxyResource, proxyToJoinThrough, startProxyTunnel, startTunnelNode, tunnelPublicAddr } from './tunnel-services.js';

/** Addresses the process bound, for printing and for tests (which listen on port 0). */
export interface ProcessAddresses {
  auth?: NetAddr;
  proxyWeb?: NetAddr;
  proxySSH?: NetAddr;
  /** The proxy's reverse tunnel listener (3024). */
  proxyTunnel?: NetAddr;
  /** Unset for a node reached only through reverse tunnels. */
  nodeSSH?: NetAddr;
  /** The proxy (web address) a node reached through reverse tunnels joined through. */
  nodeTunnelProxy?: string;
  diag?: NetAddr;
}

/** What the proxy's listeners use of auth: in-process, or over the auth API. */
interface ProxyLink {
  auth: ProxyAuth;
  /** What the web UI runs on: the auth service of this process, or the auth API as each user. */
  webUIAuth: WebUIAuth;
  reads: ProxyReads;
  creds: { keyPem: string; ssh: string; tls: string };
  presence: Pick<ProxyPresence, 'announce' | 'remove'>;
  audit: AuditEmitter;
}

/** Options of a process. */
export interface ProcessOptions {
  config: TeleportConfig;
  logger: Logger;
  clock?: Clock;
}

/** One running teleport process. */
export class TeleportProcess {
  private backend?: Backend;
  private authServer?: AuthServer;
  private proxy?: ProxyWebServer;
  private proxySSH?: ProxySSHServer;
  private tunnelServer?: TunnelServer;
  private proxyHeartbeat?: ProxyHeartbeat;
  private agentPool?: AgentPool;
  private node?: NodeService;
  /** The proxy's in-memory route to `node`, when the node listens in this process. */
  private dialLocalNode?: (nodeId: string) => Duplex | undefined;
  private recorder?: NodeRecorder;
  private services?: Services;
  private diag?: DiagServer;
  private auditLog?: AuditLog;
  private nodeEmitter?: RemoteEmitter;
  private proxyEmitter?: RemoteEmitter;
  private proxyReads?: ProxyReads;
  private remoteWebUI?: RemoteWebUIAuth;
  private ready = false;
  private closed = false;
  readonly addresses: ProcessAddresses = {};
  hostId = '';
  clusterName = '';

  constructor(private readonly opts: ProcessOptions) {}

  /** Starts every enabled service. On failure, stops what had started and rethrows. */
  async start(): Promise<ProcessAddresses> {
    const { config } = this.opts;
    const clock = this.opts.clock ?? systemClock;
    refuseLaterServices(config);
    try {
      const dataDir = config.teleport.dataDir;
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      this.hostId = await ensureHostId(dataDir);
      if (config.teleport.diagAddr) {
        this.diag = new DiagServer({ host: config.teleport.diagAddr.host, port: config.teleport.diagAddr.port, ready: () => this.ready });
        this.addresses.diag = await this.diag.start();
      }
      if (config.teleport.pidFile) {
        await mkdir(dirname(config.teleport.pidFile), { recursive: true });
        await writeFile(config.teleport.pidFile, `${process.pid}\n`);
      }
      if (config.services.auth) await this.startAuth(clock);
      if (config.services.proxy) await this.startProxy(clock);
      if (config.services.ssh) await this.startNode(clock);
      this.ready = true;
      return this.addresses;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private async startAuth(clock: Clock): Promise<void> {
    const { config, logger } = this.opts;
    const t = config.teleport;
    this.backend = await openStorage(t.storage, clock, logger);
    const services = createServices(this.backend);
    this.services = services;
    this.auditLog = await openAuditLog(config, clock, logger);
    this.authServer = await AuthServer.create({
      services,
      logger,
      dataDir: t.dataDir,
      hostId: this.hostId,
      nodeName: t.nodename,
      cluster: {
        clusterName: config.auth.clusterName ?? t.nodename,
        authPreference: authPreferenceFromConfig(config),
      },
      staticTokens: config.auth.tokens,
      listen: { host: config.auth.listenAddr.host, port: config.auth.listenAddr.port },
      publicAddrs: config.auth.publicAddrs.map(formatAddr),
      proxyAddr: async () => this.proxyPublicAddr(),
      recordings: { ...authRecordings(config, logger), emitter: this.auditLog },
      audit: this.auditLog,
    });
    this.clusterName = this.authServer.clusterName;
    this.addresses.auth = await this.authServer.start();
  }

  private async startNode(clock: Clock): Promise<void> {
    const { config, logger } = this.opts;
    const local = this.authServer && this.addresses.auth ? { server: this.authServer, addr: this.addresses.auth } : undefined;
    // A node that reaches the cluster through a proxy joins there and serves through reverse tunnels.
    const proxyAddr = local ? undefined : await proxyToJoinThrough(config);
    if (proxyAddr) {
      const tunnelled = await startTunnelNode({ config, hostId: this.hostId, proxyAddr, clock, logger });
      this.node = tunnelled.service;
      this.agentPool = tunnelled.pool;
      this.recorder = tunnelled.recorder;
      this.nodeEmitter = tunnelled.emitter;
      this.addresses.nodeTunnelProxy = proxyAddr;
      return;
    }
    const { service, address, recorder, emitter } = await startNode({ config, hostId: this.hostId, clock, logger, local });
    this.node = service;
    this.recorder = recorder;
    this.nodeEmitter = emitter;
    this.addresses.nodeSSH = { host: address.address, port: address.port };
    this.dialLocalNode = localNodeDialer(service, this.hostId, config, address);
  }

  private async startProxy(clock: Clock): Promise<void> {
    const { config, logger } = this.opts;
    const link = this.authServer ? await this.localProxyLink() : await this.remoteProxyLink(clock);
    this.proxyReads = link.reads;
    const { creds } = link;
    this.proxy = new ProxyWebServer({
      host: config.proxy.webListenAddr.host,
      port: config.proxy.webListenAddr.port,
      auth: link.auth,
      webUIAuth: link.webUIAuth,
      tls: config.proxy.disableTls ? undefined : { certPem: creds.tls, keyPem: creds.keyPem },
      httpsKeypairs: config.proxy.httpsKeypairs,
      publicAddr: () => this.proxyPublicAddr(),
      sshPublicAddr: () => this.proxySSHPublicAddr(),
      tunnelPublicAddr: () => tunnelPublicAddr(config, this.addresses.proxyTunnel, this.proxyPublicAddr()),
      tunnels: () => this.tunnelServer,
      limiter: new ConnectionLimiter({ limits: config.teleport.connectionLimits, clock }),
      logger: logger.child({ component: 'proxy' }),
    });
    this.addresses.proxyWeb = await this.proxy.start();
    const tunnel = await startProxyTunnel({
      config,
      reads: link.reads,
      clusterName: this.clusterName,
      proxyId: this.hostId,
      credentials: { keyPem: creds.keyPem, ssh: creds.ssh },
      logger,
    });
    this.tunnelServer = tunnel.server;
    this.addresses.proxyTunnel = { host: tunnel.address.address, port: tunnel.address.port };
    const ssh = await startProxySSH({
      config,
      reads: link.reads,
      clusterName: this.clusterName,
      credentials: { keyPem: creds.keyPem, ssh: creds.ssh },
      clock,
      logger,
      audit: { emitter: link.audit, serverId: this.hostId, hostname: config.teleport.nodename },
      tunnels: tunnel.server,
      // The node starts after the proxy: looked up at each dial.
      dialLocal: (nodeId) => this.dialLocalNode?.(nodeId),
    });
    this.proxySSH = ssh.server;
    this.addresses.proxySSH = { host: ssh.address.address, port: ssh.address.port };
    // Announced once every listener is up, so agents told of this proxy can reach it.
    this.proxyHeartbeat = new ProxyHeartbeat({
      presence: link.presence,
      resource: () => proxyResource(this.hostId, config.teleport.nodename, this.proxySSHPublicAddr(), this.proxyPublicAddr()),
      logger: logger.child({ component: 'proxy' }),
    });
    await this.proxyHeartbeat.start();
  }

  /** The proxy's view of auth when auth runs in this process: the AuthService and the backend. */
  private async localProxyLink(): Promise<ProxyLink> {
    const server = this.authServer!;
    const c = await server.hostCredentials('Proxy', this.opts.config.proxy.publicAddrs.map((a) => a.host));
    return {
      auth: server.auth,
      webUIAuth: localWebUIAuth(server.auth),
      reads: localProxyReads({ services: this.services!, clusterName: this.clusterName, authAddr: () => loopbackFor(this.addresses.auth!), dial: dialTCP }),
      creds: { keyPem: c.keyPem, ssh: c.ssh, tls: c.tls },
      presence: server.auth.proxies,
      audit: server.auth.auditLog,
    };
  }

  /**
   * The proxy's view of auth in a proxy-only process: joins as Proxy (or loads the stored identity)
   * and talks to the auth API with that identity, failing over between the `auth_servers` in order.
   */
  private async remoteProxyLink(clock: Clock): Promise<ProxyLink> {
    const { config, logger } = this.opts;
    const t = config.teleport;
    const authAddrs = t.authServers.map(formatAddr);
    if (authAddrs.length === 0) {
      throw new BadParameterError('a proxy without auth_service needs the auth servers to reach: set teleport.auth_servers or pass --auth-server');
    }
    const identity = await ensureHostIdentity({
      dataDir: t.dataDir,
      hostId: this.hostId,
      nodeName: t.nodename,
      role: 'Proxy',
      authServers: authAddrs,
      token: t.authToken,
      caPins: t.caPins,
      additionalPrincipals: config.proxy.publicAddrs.map((a) => a.host),
      logger,
    });
    if (!identity.sshCert || !identity.tlsCert) throw new BadParameterError('the proxy identity lacks its SSH or TLS certificate; remove data_dir/identity/proxy.pem and join again');
    this.clusterName = clusterOfIdentity(identity.tlsCert, this.hostId);
    const client = new AuthClient({
      addr: authAddrs[0],
      fallbackAddrs: authAddrs.slice(1),
      clusterName: this.clusterName,
      credentials: { keyPem: identity.keyPem, certPem: identity.tlsCert, caPems: identity.tlsCAs },
    });
    this.proxyEmitter = remoteAuditEmitter(client, clock, logger);
    const reads = remoteProxyReads({ client, clusterName: this.clusterName, dial: dialTCP, clock, logger: logger.child({ component: 'proxy:cache' }) });
    this.remoteWebUI = new RemoteWebUIAuth({
      client,
      userClient: (credentials) => new AuthClient({ addr: client.addr, fallbackAddrs: client.allAddrs, clusterName: this.clusterName, credentials }),
      caPems: identity.tlsCAs,
      clusterName: this.clusterName,
      hostCAKeys: () => reads.hostCAKeys(),
      clock,
    });
    return {
      auth: new RemoteProxyAuth(client, this.clusterName, clock),
      webUIAuth: this.remoteWebUI,
      reads,
      creds: { keyPem: identity.keyPem, ssh: identity.sshCert, tls: identity.tlsCert },
      presence: {
        announce: (proxy, ttlMs) => client.heartbeatProxy(proxy, ttlMs ?? DEFAULT_PROXY_TTL_MS),
        remove: (_caller, name) => client.deleteProxy(name),
      },
      audit: this.proxyEmitter,
    };
  }

  /** `host:port` clients reach the proxy's SSH listener at: ssh_public_addr, else the bound address. */
  proxySSHPublicAddr(): string {
    const { config } = this.opts;
    const pub = config.proxy.sshPublicAddrs[0];
    if (pub) return formatAddr(pub);
    const bound = this.addresses.proxySSH ?? config.proxy.listenAddr;
    const webHost = this.proxyPublicAddr().replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    const host = bound.host === '0.0.0.0' || bound.host === '::' ? webHost : bound.host;
    return formatAddr({ host, port: bound.port });
  }

  /** `host:port` users reach the proxy at: the first public_addr, else the bound web address. */
  proxyPublicAddr(): string {
    const { config } = this.opts;
    const pub = config.proxy.publicAddrs[0];
    if (pub) return formatAddr(pub);
    const bound = this.addresses.proxyWeb ?? config.proxy.webListenAddr;
    const host = bound.host === '0.0.0.0' || bound.host === '::' ? config.teleport.nodename : bound.host;
    return formatAddr({ host, port: bound.port });
  }

  /** Stops everything in reverse order. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    await this.node?.close();
    await this.recorder?.close();
    await this.nodeEmitter?.close();
    await this.agentPool?.close();
    await this.proxyHeartbeat?.close();
    this.proxyReads?.close();
    await this.proxyEmitter?.close();
    await this.tunnelServer?.close();
    await this.proxySSH?.close();
    await this.proxy?.close();
    this.remoteWebUI?.close();
    await this.authServer?.close();
    await this.authServer?.auth.recordings?.store.close();
    await this.auditLog?.close();
    await this.backend?.close();
    await this.diag?.close();
    const pid = this.opts.config.teleport.pidFile;
    if (pid) await rm(pid, { force: true });
  }
}

function refuseLaterServices(config: TeleportConfig): void {
  const later = (['db', 'kube', 'app', 'windowsDesktop', 'discovery'] as const).filter((s) => config.services[s]);
  if (later.length > 0) {
    const names: Record<string, string> = { db: 'db_service', kube: 'kubernetes_service', app: 'app_service', windowsDesktop: 'windows_desktop_service', discovery: 'discovery_service' };
    throw new NotImplementedError(`${later.map((s) => names[s]).join(', ')}: not available in this release yet; disable it (enabled: no) to start`);
  }
}

function authPreferenceFromConfig(config: TeleportConfig): Record<string, unknown> | undefined {
  const a = config.auth.authentication;
  // Without an `authentication` section the stored settings (e.g. from `tctl edit cap`) stay.
  if (!a.fromFile) return undefined;
  return {
    type: a.type,
    second_factor: a.secondFactor,
    ...(a.connectorName && { connector_name: a.connectorName }),
    ...(a.webauthn && { webauthn: { rp_id: a.webauthn.rpId, attestation_allowed_cas: a.webauthn.attestationAllowedCas, attestation_denied_cas: a.webauthn.attestationDeniedCas } }),
    allow_local_auth: a.localAuth,
    require_session_mfa: a.requireSessionMfa,
    ...(a.disconnectExpiredCert !== undefined && { disconnect_expired_cert: a.disconnectExpiredCert }),
    locking_mode: a.lockingMode,
    ...(a.messageOfTheDay && { message_of_the_day: a.messageOfTheDay }),
  };
}
