/**
 * Presence of the services agents run besides SSH: the heartbeats of `db_server`, `kube_server`
 * and `app_server` (stored with an expiry, so an agent that stops heartbeating disappears) and
 * their listing. Authorized per kind and verb like every route (caller.ts); a host's role lets it
 * write only heartbeats naming its own host UUID (`spec.host_id`, builtin-roles.ts).
 */
import { BadParameterError } from '../api/errors.js';
import type { Clock } from '../api/clock.js';
import { isAgentServerKind, validateAgentServer, type AgentServer, type AgentServerKind } from '../api/types/index.js';
import { canSeeDatabase, canSeeKubeCluster, kubeClusterLabels } from '../rbac/index.js';
import type { Services } from '../services/index.js';
import { appOfServer } from './app-sessions.js';
import { canSeeApp } from '../rbac/app-access.js';
import type { Caller } from './caller.js';
import { authorize } from './caller.js';

/** How long a heartbeat keeps a server listed when none is given (Teleport's server announce TTL). */
export const DEFAULT_AGENT_SERVER_TTL_MS = 10 * 60_000;
/** The longest a heartbeat may ask for. */
const MAX_AGENT_SERVER_TTL_MS = 60 * 60_000;

/** `kind` as a heartbeat kind; BadParameterError naming the kinds otherwise. */
export function agentServerKind(kind: string): AgentServerKind {
  if (!isAgentServerKind(kind)) throw new BadParameterError(`unknown server kind "${kind}" (expected db_server, kube_server or app_server)`);
  return kind;
}

/** Stores a heartbeat of `kind` with an expiry `ttlMs` from now. */
export async function upsertAgentServerHeartbeat(services: Services, clock: Clock, caller: Caller, kind: AgentServerKind, input: unknown, ttlMs = DEFAULT_AGENT_SERVER_TTL_MS): Promise<AgentServer> {
  const server = validateAgentServer(kind, input);
  authorize(caller, kind, 'create', server);
  authorize(caller, kind, 'update', server);
  if (!Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_AGENT_SERVER_TTL_MS) throw new BadParameterError(`heartbeat ttl must be between 1ms and ${MAX_AGENT_SERVER_TTL_MS}ms`);
  server.metadata.expires = new Date(clock.now() + ttlMs).toISOString();
  return services.agentServers(kind).upsert(server);
}

/** The live heartbeats of `kind`, for callers whose roles may list the kind. */
export async function listAgentServers(services: Services, caller: Caller, kind: AgentServerKind): Promise<AgentServer[]> {
  authorize(caller, kind, 'list');
  const servers = await services.agentServers(kind).list();
  // Users see the databases their roles' db_labels reach, the Kubernetes clusters their
  // kubernetes_labels reach and the apps their app_labels reach (deny wins), as Teleport lists them.
  if (caller.systemRole) return servers;
  const roles = caller.checker.all();
  if (kind === 'kube_server') return servers.filter((s) => canSeeKubeCluster(roles, kubeClusterLabels(s)));
  if (kind === 'app_server') return servers.filter((s) => canSeeApp(roles, appOfServer(s).labels));
  return servers.filter((s) => canSeeDatabase(roles, databaseLabels(s)));
}

/** The labels of the database a db_server heartbeat carries. */
function databaseLabels(s: AgentServer): Record<string, string> {
  const labels = (s.spec.database as { metadata?: { labels?: unknown } } | undefined)?.metadata?.labels;
  return labels && typeof labels === 'object' ? (labels as Record<string, string>) : {};
}
