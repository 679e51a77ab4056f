/**
 * The `app_service` of a process: the application agent (src/app) for the apps listed and the `app`
 * resources its selectors match, with its access to the cluster over the auth API (roles, the
 * identity JWTs), its `app_server` heartbeats, and the way the proxy reaches it: in memory when the
 * proxy runs in this process, else through the host's reverse tunnels (tunnel type `app`).
 */
import type { Duplex } from 'node:stream';
import { AuthClient, findProxy } from '../api/client/index.js';
import { BadParameterError, isCode } from '../api/errors.js';
import type { AgentServer, App, Role } from '../api/types/index.js';
import { AppAgent, appFromResource, appSelectedBy, type AppAccessPoint } from '../app/index.js';
import { formatAddr } from '../config/index.js';
import type { AuditEmitter } from '../events/index.js';
import { every, realTimers } from '../reversetunnel/index.js';
import type { AgentLink } from './agent-link.js';
import { memoryPipe } from './memory-pipe.js';
import type { ProcessAddresses, ProcessContext, Service, ServiceFactory } from './service.js';
import { loopbackFor } from './ssh-services.js';
import { proxyToJoinThrough } from './tunnel-services.js';

/** Teleport's heartbeat period and the time a heartbeat stays listed. */
const HEARTBEAT_MS = 60_000;
const HEARTBEAT_TTL_MS = 10 * 60_000;
/** How often the `app` resources are read when `app_service.resources` selects some. */
const APP_RESOURCES_POLL_MS = 5_000;
/** A heartbeat withdrawn: announced again with an expiry of now. */
const WITHDRAW_TTL_MS = 1;

/** The table entry: after auth (uses it in-process) and the proxy (reaches it in memory, or joins through it). */
export const appServiceFactory: ServiceFactory = { name: 'app', section: 'app_service', after: ['auth', 'proxy'], create: (ctx) => new AppService(ctx) };

/** The auth API as the application agent uses it. */
export function authAppAccess(client: AuthClient): AppAccessPoint & { heartbeat(server: AgentServer, ttlMs: number): Promise<void> } {
  return {
    async roles(names: string[]): Promise<Role[]> {
      const out: Role[] = [];
      for (const name of names) {
        try {
          out.push(await client.getResource<Role>('role', name));
        } catch (err) {
          if (!isCode(err, 'not_found')) throw err;
        }
      }
      return out;
    },
    appToken: (req) => client.generateAppToken(req),
    heartbeat: async (server, ttlMs) => {
      await client.heartbeatAgentServer('app_server', server, ttlMs);
    },
  };
}

/** `host` of `host:port` (IPv6 brackets removed). */
function hostOf(addr: string): string {
  return addr.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/:\d+$/, '');
}

class AppService implements Service {
  readonly name = 'app';
  private agent?: AppAgent;
  private stopHeartbeat?: () => void;
  private stopPoll?: () => void;
  private readonly unregister: (() => void)[] = [];
  private closing?: Promise<void>;

  constructor(private readonly ctx: ProcessContext) {}

  async start(): Promise<Partial<ProcessAddresses>> {
    const { config, hostId, clock, logger, localAuth } = this.ctx;
    const log = logger.child({ component: 'app:service' });
    let client: AuthClient;
    let audit: AuditEmitter;
    let link: AgentLink | undefined;
    let proxyHost: () => string | undefined;
    if (localAuth) {
      if (!config.services.proxy) {
        throw new BadParameterError('app_service next to auth_service needs proxy_service in the same process; or run app_service on a host that joins through the proxy (proxy_server)');
      }
      const c = await localAuth.server.hostCredentials('Node');
      client = new AuthClient({ addr: formatAddr(loopbackFor(localAuth.addr)), clusterName: this.ctx.clusterName, credentials: { keyPem: c.keyPem, certPem: c.tls, caPems: c.tlsCAs } });
      audit = localAuth.server.auth.auditLog;
      proxyHost = () => hostOf(this.ctx.proxyPublicAddr());
    } else {
      const proxyAddr = await proxyToJoinThrough(config);
      if (!proxyAddr) {
        throw new BadParameterError("app_service is reached through a proxy: set teleport.proxy_server (or auth_servers to the proxy's public address) so the application agent can open its reverse tunnel");
      }
      link = await this.ctx.agentLink(proxyAddr);
      client = link.client;
      audit = link.emitter;
      // Apps without public_addr are `<name>.<the proxy's public host>`, as the proxy tells it.
      const find = await findProxy({ addr: proxyAddr, timeoutMs: 5_000 }).catch(() => undefined);
      const publicHost = hostOf(find?.proxy.ssh.public_addr || proxyAddr);
      proxyHost = () => publicHost;
    }
    const useTunnel = link !== undefined;
    const access = authAppAccess(client);
    const agent = new AppAgent({ apps: config.app.apps, access, audit, hostId, hostname: config.teleport.nodename, proxyPublicHost: proxyHost, clock, logger: logger.child({ component: 'app' }) });
    this.agent = agent;
    if (link) {
      this.unregister.push(link.handlers.register('app', () => (stream: Duplex) => agent.serve(stream)));
    } else {
      this.unregister.push(
        this.ctx.localAgents.register('app', hostId, () => {
          const [proxySide, agentSide] = memoryPipe();
          agent.serve(agentSide);
          return proxySide;
        }),
      );
    }
    const beat = async () => {
      for (const server of agent.servers(useTunnel)) {
        await access.heartbeat(server, HEARTBEAT_TTL_MS).catch((err: unknown) => log.warn({ app: server.metadata.name, err: (err as Error).message }, 'app heartbeat failed'));
      }
    };
    const selectors = config.app.resources;
    let syncing = false;
    const sync = async () => {
      if (syncing) return;
      syncing = true;
      try {
        const chosen = (await client.listResources<App>('app')).filter((a) => appSelectedBy(selectors, a)).map(appFromResource);
        const before = new Map(agent.servers(useTunnel).map((s) => [s.metadata.name, s]));
        for (const name of agent.setDynamic(chosen)) {
          const server = before.get(name);
          if (server) await access.heartbeat(server, WITHDRAW_TTL_MS).catch((err: unknown) => log.warn({ app: name, err: (err as Error).message }, 'withdrawing an app heartbeat failed'));
          log.info({ app: name }, 'app resource no longer served');
        }
        const changed = agent.servers(useTunnel).filter((s) => JSON.stringify(before.get(s.metadata.name)) !== JSON.stringify(s));
        for (const server of changed) {
          log.info({ app: server.metadata.name }, before.has(server.metadata.name) ? 'app resource changed' : 'serving app resource');
          await access.heartbeat(server, HEARTBEAT_TTL_MS).catch((err: unknown) => log.warn({ app: server.metadata.name, err: (err as Error).message }, 'app heartbeat failed'));
        }
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'could not read the app resources');
      } finally {
        syncing = false;
      }
    };
    if (selectors.length > 0) {
      await sync();
      this.stopPoll = every(realTimers(clock, { unref: true }), APP_RESOURCES_POLL_MS, () => void sync());
    }
    await beat();
    this.stopHeartbeat = every(realTimers(clock, { unref: true }), HEARTBEAT_MS, () => void beat());
    log.info({ apps: agent.apps().map((a) => a.name), via: useTunnel ? 'reverse tunnel' : 'in-process proxy' }, 'application service is serving');
    return {};
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopHeartbeat?.();
      this.stopPoll?.();
      for (const u of this.unregister.splice(0)) u();
      this.agent?.close();
    })();
    return this.closing;
  }
}
