/**
 * The `app_service` of a process: the application agent (src/app) for the apps listed and the `app`
 * resources its selectors match, with its access to the cluster over the auth API (roles, the
 * identity JWTs), its `app_server` heartbeats, and the way the proxy reaches it: in memory when the
 * proxy runs in this process, else through the host's reverse tunnels (tunnel type `app`).
 */
import type { AppHello } from '../api/app-wire.js';
import { findProxy, type AuthClient } from '../api/client/index.js';
import type { AgentServer, App } from '../api/types/index.js';
import { AppAgent, appFromResource, appSelectedBy, type AppAccessPoint } from '../app/index.js';
import { connectAgent, exposeAgent, rolesByName, startHeartbeats, startResourceSync } from './agent-plumbing.js';
import type { ProcessAddresses, ProcessContext, Service, ServiceFactory } from './service.js';

/** The table entry: after auth (uses it in-process) and the proxy (reaches it in memory, or joins through it). */
export const appServiceFactory: ServiceFactory = { name: 'app', section: 'app_service', after: ['auth', 'proxy'], create: (ctx) => new AppService(ctx) };

/** The auth API as the application agent uses it. */
export function authAppAccess(client: AuthClient): AppAccessPoint & { heartbeat(server: AgentServer, ttlMs: number): Promise<void> } {
  return {
    roles: (names) => rolesByName(client, names),
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
  private readonly stops: (() => void)[] = [];
  private closing?: Promise<void>;

  constructor(private readonly ctx: ProcessContext) {}

  async start(): Promise<Partial<ProcessAddresses>> {
    const { config, hostId, clock, logger } = this.ctx;
    const log = logger.child({ component: 'app:service' });
    const conn = await connectAgent(this.ctx, 'app_service', 'application agent');
    let proxyHost: () => string | undefined;
    if (!conn.link) {
      proxyHost = () => hostOf(this.ctx.proxyPublicAddr());
    } else {
      // Apps without public_addr are `<name>.<the proxy's public host>`, as the proxy tells it.
      const proxyAddr = conn.link.proxyAddr;
      const find = await findProxy({ addr: proxyAddr, timeoutMs: 5_000 }).catch(() => undefined);
      const publicHost = hostOf(find?.proxy.ssh.public_addr || proxyAddr);
      proxyHost = () => publicHost;
    }
    const useTunnel = conn.link !== undefined;
    const access = authAppAccess(conn.client);
    const agent = new AppAgent({ apps: config.app.apps, access, audit: conn.audit, hostId, hostname: config.teleport.nodename, proxyPublicHost: proxyHost, clock, logger: logger.child({ component: 'app' }) });
    this.agent = agent;
    this.stops.push(exposeAgent(this.ctx, conn, 'app', (stream) => agent.serve(stream)));
    // An in-process proxy hands its parsed requests straight to the agent (no second HTTP parse).
    if (!conn.link) this.stops.push(this.ctx.localAgents.registerHandler<AppHello>('app', hostId, (req, res, headers, hello) => agent.handleLocal(req, res, headers, hello)));
    const loop = { servers: () => agent.servers(useTunnel), heartbeat: access.heartbeat, clock, log, field: 'app' };
    const selectors = config.app.resources;
    if (selectors.length > 0) {
      this.stops.push(
        await startResourceSync({
          ...loop,
          kind: 'app',
          list: () => conn.client.listResources<App>('app'),
          selected: (a) => appSelectedBy(selectors, a),
          convert: appFromResource,
          setDynamic: (chosen) => agent.setDynamic(chosen),
          watch: (signal) => conn.client.watchEvents(['app'], { signal }),
        }),
      );
    }
    this.stops.push(await startHeartbeats(loop));
    log.info({ apps: agent.apps().map((a) => a.name), via: useTunnel ? 'reverse tunnel' : 'in-process proxy' }, 'application service is serving');
    return {};
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const stop of this.stops.splice(0)) stop();
      this.agent?.close();
    })();
    return this.closing;
  }
}
