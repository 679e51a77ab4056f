/**
 * The `db_service` of a process: the database agent (src/db) for the databases listed, with its
 * access to the cluster over the auth API, its `db_server` heartbeats, and the way the proxy
 * reaches it: in memory when the proxy runs in this process, else through the host's reverse
 * tunnels (tunnel type `db`), as Teleport's database agents are reached.
 */
import type { Duplex } from 'node:stream';
import { AuthClient } from '../api/client/index.js';
import { BadParameterError, isCode } from '../api/errors.js';
import type { AgentServer, Database, Role } from '../api/types/index.js';
import { formatAddr } from '../config/index.js';
import { DatabaseAgent, databaseFromResource, defaultEngines, selectedBy, type DatabaseAccessPoint } from '../db/index.js';
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
/** How often the `db` resources are read when `db_service.resources` selects some (a created one is served within this). */
const DB_RESOURCES_POLL_MS = 5_000;
/** A heartbeat withdrawn: announced again with an expiry of now, so it leaves the listings at once. */
const WITHDRAW_TTL_MS = 1;

/** The table entry: after auth (uses it in-process) and the proxy (reaches it in memory, or joins through it). */
export const dbServiceFactory: ServiceFactory = { name: 'db', section: 'db_service', after: ['auth', 'proxy'], create: (ctx) => new DBService(ctx) };

/** The auth API as the database agent uses it. */
export function authDatabaseAccess(client: AuthClient): DatabaseAccessPoint {
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
    databaseCert: (publicKeyPem, dbUser, ttlMs) => client.generateDatabaseCert({ public_key: publicKeyPem, common_name: dbUser, ttl_ms: ttlMs }),
    heartbeat: async (server: AgentServer, ttlMs: number) => {
      await client.heartbeatAgentServer('db_server', server, ttlMs);
    },
  };
}

class DBService implements Service {
  readonly name = 'db';
  private stopHeartbeat?: () => void;
  private stopPoll?: () => void;
  private readonly unregister: (() => void)[] = [];
  private closing?: Promise<void>;

  constructor(private readonly ctx: ProcessContext) {}

  async start(): Promise<Partial<ProcessAddresses>> {
    const { config, hostId, clock, logger, localAuth } = this.ctx;
    const log = logger.child({ component: 'db:service' });
    let client: AuthClient;
    let audit: AuditEmitter;
    let link: AgentLink | undefined;
    if (localAuth) {
      // Reached in memory by this process's proxy; proxies elsewhere would need a tunnel this host does not open.
      if (!config.services.proxy) {
        throw new BadParameterError('db_service next to auth_service needs proxy_service in the same process; or run db_service on a host that joins through the proxy (proxy_server)');
      }
      const c = await localAuth.server.hostCredentials('Node');
      client = new AuthClient({ addr: formatAddr(loopbackFor(localAuth.addr)), clusterName: this.ctx.clusterName, credentials: { keyPem: c.keyPem, certPem: c.tls, caPems: c.tlsCAs } });
      audit = localAuth.server.auth.auditLog;
    } else {
      const proxyAddr = await proxyToJoinThrough(config);
      if (!proxyAddr) {
        throw new BadParameterError('db_service is reached through a proxy: set teleport.proxy_server (or auth_servers to the proxy\'s public address) so the database agent can open its reverse tunnel');
      }
      link = await this.ctx.agentLink(proxyAddr);
      client = link.client;
      audit = link.emitter;
    }
    const useTunnel = link !== undefined;
    const access = authDatabaseAccess(client);
    const agent = new DatabaseAgent({
      databases: config.db.databases,
      engines: defaultEngines(),
      access,
      audit,
      hostId,
      hostname: config.teleport.nodename,
      clock,
      logger: logger.child({ component: 'db' }),
    });
    if (link) {
      this.unregister.push(link.handlers.register('db', () => (stream: Duplex) => agent.serve(stream)));
    } else {
      this.unregister.push(
        this.ctx.localAgents.register('db', hostId, () => {
          const [proxySide, agentSide] = memoryPipe();
          agent.serve(agentSide);
          return proxySide;
        }),
      );
    }
    const beat = async () => {
      await agent.refresh();
      for (const server of agent.servers(useTunnel)) {
        try {
          await access.heartbeat(server, HEARTBEAT_TTL_MS);
        } catch (err) {
          log.warn({ db: server.metadata.name, err: (err as Error).message }, 'database heartbeat failed');
        }
      }
    };
    // Dynamic registration: the db resources the selectors match are served, heartbeated at once
    // when they appear, and withdrawn when they are deleted or stop matching.
    const selectors = config.db.resources;
    let syncing = false;
    const sync = async () => {
      if (syncing) return;
      syncing = true;
      try {
        const chosen = [];
        for (const db of await client.listResources<Database>('db')) {
          if (!selectedBy(selectors, db)) continue;
          try {
            chosen.push(databaseFromResource(db));
          } catch (err) {
            log.warn({ db: db.metadata.name, err: (err as Error).message }, 'db resource cannot be served');
          }
        }
        const before = new Map(agent.servers(useTunnel).map((s) => [s.metadata.name, s]));
        const gone = agent.setDynamic(chosen);
        for (const name of gone) {
          const server = before.get(name);
          if (server) await access.heartbeat(server, WITHDRAW_TTL_MS).catch((err: unknown) => log.warn({ db: name, err: (err as Error).message }, 'withdrawing a database heartbeat failed'));
          log.info({ db: name }, 'db resource no longer served');
        }
        // New ones, and ones whose resource changed (uri, labels, ...), are announced at once.
        const changed = agent.servers(useTunnel).filter((s) => JSON.stringify(before.get(s.metadata.name)) !== JSON.stringify(s));
        for (const server of changed) {
          log.info({ db: server.metadata.name }, before.has(server.metadata.name) ? 'db resource changed' : 'serving db resource');
          await access.heartbeat(server, HEARTBEAT_TTL_MS).catch((err: unknown) => log.warn({ db: server.metadata.name, err: (err as Error).message }, 'database heartbeat failed'));
        }
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'could not read the db resources');
      } finally {
        syncing = false;
      }
    };
    if (selectors.length > 0) {
      await sync();
      this.stopPoll = every(realTimers(clock, { unref: true }), DB_RESOURCES_POLL_MS, () => void sync());
    }
    await beat();
    this.stopHeartbeat = every(realTimers(clock, { unref: true }), HEARTBEAT_MS, () => void beat());
    log.info({ databases: agent.databases().map((d) => d.name), via: useTunnel ? 'reverse tunnel' : 'in-process proxy' }, 'database service is serving');
    return {};
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopHeartbeat?.();
      this.stopPoll?.();
      for (const u of this.unregister.splice(0)) u();
    })();
    return this.closing;
  }
}
