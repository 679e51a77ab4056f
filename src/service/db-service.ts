/**
 * The `db_service` of a process: the database agent (src/db) for the databases listed, with its
 * access to the cluster over the auth API, its `db_server` heartbeats, and the way the proxy
 * reaches it: in memory when the proxy runs in this process, else through the host's reverse
 * tunnels (tunnel type `db`), as Teleport's database agents are reached.
 */
import type { Database, Role } from '../api/types/index.js';
import type { AuthClient } from '../api/client/index.js';
import type { Clock } from '../api/clock.js';
import { requireSessionMFAReader } from './session-mfa-preference.js';
import { DatabaseAgent, databaseFromResource, defaultEngines, selectedBy, type DatabaseAccessPoint } from '../db/index.js';
import { connectAgent, exposeAgent, rolesByName, startHeartbeats, startResourceSync } from './agent-plumbing.js';
import type { ProcessAddresses, ProcessContext, Service, ServiceFactory } from './service.js';

/** The table entry: after auth (uses it in-process) and the proxy (reaches it in memory, or joins through it). */
export const dbServiceFactory: ServiceFactory = { name: 'db', section: 'db_service', after: ['auth', 'proxy'], create: (ctx) => new DBService(ctx) };

/** The auth API as the database agent uses it. */
export function authDatabaseAccess(client: AuthClient, clock: Clock): DatabaseAccessPoint {
  return {
    requireSessionMFA: requireSessionMFAReader(client, clock),
    roles: (names: string[]): Promise<Role[]> => rolesByName(client, names),
    databaseCert: (publicKeyPem, dbUser, ttlMs) => client.generateDatabaseCert({ public_key: publicKeyPem, common_name: dbUser, ttl_ms: ttlMs }),
    heartbeat: async (server, ttlMs) => {
      await client.heartbeatAgentServer('db_server', server, ttlMs);
    },
  };
}

class DBService implements Service {
  readonly name = 'db';
  private readonly stops: (() => void)[] = [];
  private closing?: Promise<void>;

  constructor(private readonly ctx: ProcessContext) {}

  async start(): Promise<Partial<ProcessAddresses>> {
    const { config, hostId, clock, logger } = this.ctx;
    const log = logger.child({ component: 'db:service' });
    const conn = await connectAgent(this.ctx, 'db_service', 'database agent');
    const useTunnel = conn.link !== undefined;
    const access = authDatabaseAccess(conn.client, clock);
    const agent = new DatabaseAgent({
      databases: config.db.databases,
      engines: defaultEngines(),
      access,
      audit: conn.audit,
      hostId,
      hostname: config.teleport.nodename,
      clock,
      logger: logger.child({ component: 'db' }),
    });
    this.stops.push(exposeAgent(this.ctx, conn, 'db', (stream) => agent.serve(stream)));
    const loop = { servers: () => agent.servers(useTunnel), heartbeat: access.heartbeat, clock, log, field: 'db' };
    // Dynamic registration: the db resources the selectors match are served, heartbeated at once
    // when they appear, and withdrawn when they are deleted or stop matching.
    const selectors = config.db.resources;
    if (selectors.length > 0) {
      this.stops.push(
        await startResourceSync({
          ...loop,
          kind: 'db',
          list: () => conn.client.listResources<Database>('db'),
          selected: (db) => selectedBy(selectors, db),
          convert: databaseFromResource,
          setDynamic: (chosen) => agent.setDynamic(chosen),
          watch: (signal) => conn.client.watchEvents(['db'], { signal }),
        }),
      );
    }
    this.stops.push(await startHeartbeats({ ...loop, refresh: () => agent.refresh() }));
    log.info({ databases: agent.databases().map((d) => d.name), via: useTunnel ? 'reverse tunnel' : 'in-process proxy' }, 'database service is serving');
    return {};
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const stop of this.stops.splice(0)) stop();
    })();
    return this.closing;
  }
}
