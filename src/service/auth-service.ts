/**
 * The `auth_service` of a process: opens the cluster's storage and audit log, starts the auth
 * server (CAs, the auth API on `auth_service.listen_addr`) and publishes it to the services that
 * use it in-process (the proxy and the node of the same process).
 */
import { formatDuration } from '../api/duration.js';
import { AuthServer } from '../auth/index.js';
import type { Backend } from '../backend/index.js';
import { formatAddr, type TeleportConfig } from '../config/index.js';
import type { AuditLog } from '../events/index.js';
import { tlsServerOptions } from '../httpserver/index.js';
import { createServices } from '../services/index.js';
import { openAuditLog } from './audit-service.js';
import { authRecordings } from './recordings.js';
import type { ProcessAddresses, ProcessContext, Service, ServiceFactory } from './service.js';
import { openStorage } from './storage.js';

/** The table entry: auth depends on nothing. */
export const authServiceFactory: ServiceFactory = { name: 'auth', section: 'auth_service', after: [], create: (ctx) => new AuthService(ctx) };

class AuthService implements Service {
  readonly name = 'auth';
  private backend?: Backend;
  private auditLog?: AuditLog;
  private server?: AuthServer;
  private closing?: Promise<void>;

  constructor(private readonly ctx: ProcessContext) {}

  async start(): Promise<Partial<ProcessAddresses>> {
    const { config, logger, clock, hostId } = this.ctx;
    const t = config.teleport;
    this.backend = await openStorage(t.storage, clock, logger);
    const services = createServices(this.backend);
    this.auditLog = await openAuditLog(config, clock, logger);
    this.server = await AuthServer.create({
      services,
      logger,
      dataDir: t.dataDir,
      hostId,
      nodeName: t.nodename,
      cluster: {
        clusterName: config.auth.clusterName ?? t.nodename,
        authPreference: authPreferenceFromConfig(config),
        networking: networkingFromConfig(config),
      },
      staticTokens: config.auth.tokens,
      listen: { host: config.auth.listenAddr.host, port: config.auth.listenAddr.port },
      publicAddrs: config.auth.publicAddrs.map(formatAddr),
      proxyAddr: async () => this.ctx.proxyPublicAddr(),
      recordings: { ...authRecordings(config, logger), emitter: this.auditLog },
      audit: this.auditLog,
      tlsOptions: tlsServerOptions(t.cipherSuites),
      ...(this.ctx.joinMethods && { joinMethods: this.ctx.joinMethods }),
    });
    this.ctx.clusterName = this.server.clusterName;
    const addr = await this.server.start();
    this.ctx.localAuth = { server: this.server, services, addr };
    return { auth: addr };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.server?.close();
      await this.server?.auth.recordings?.store.close();
      await this.auditLog?.close();
      await this.backend?.close();
    })();
    return this.closing;
  }
}

/** The `authentication` section as the stored cluster_auth_preference; undefined without one. */
function authPreferenceFromConfig(config: TeleportConfig): Record<string, unknown> | undefined {
  const a = config.auth.authentication;
  // Without an `authentication` section the stored settings (e.g. from `tctl edit cap`) stay, but
  // for the two auth_service keys that set a field of it (merged over the stored ones).
  if (!a.fromFile) {
    const top = {
      ...(a.disconnectExpiredCert !== undefined && { disconnect_expired_cert: a.disconnectExpiredCert }),
      ...(a.messageOfTheDay && { message_of_the_day: a.messageOfTheDay }),
    };
    return Object.keys(top).length > 0 ? top : undefined;
  }
  return {
    type: a.type,
    second_factor: a.secondFactor,
    ...(a.connectorName && { connector_name: a.connectorName }),
    ...(a.webauthn && { webauthn: { rp_id: a.webauthn.rpId } }),
    allow_local_auth: a.localAuth,
    require_session_mfa: a.requireSessionMfa,
    ...(a.disconnectExpiredCert !== undefined && { disconnect_expired_cert: a.disconnectExpiredCert }),
    locking_mode: a.lockingMode,
    ...(a.messageOfTheDay && { message_of_the_day: a.messageOfTheDay }),
    ...(a.defaultSessionTtl && { default_session_ttl: formatDuration(a.defaultSessionTtl) }),
  };
}

/** The `auth_service` networking keys written in teleport.yaml, as cluster_networking_config fields. */
function networkingFromConfig(config: TeleportConfig): Record<string, string | number> {
  const n = config.auth.networking;
  const d = (ms: number | undefined) => (ms === undefined ? undefined : formatDuration(ms));
  const fields = {
    client_idle_timeout: d(n.clientIdleTimeout),
    idle_timeout_message: n.idleTimeoutMessage,
    keep_alive_interval: d(n.keepAliveInterval),
    keep_alive_count_max: n.keepAliveCountMax,
    session_control_timeout: d(n.sessionControlTimeout),
    web_idle_timeout: d(n.webIdleTimeout),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<string, string | number>;
}
