/**
 * The heartbeats of database, Kubernetes and application agents (`db_server`, `kube_server`,
 * `app_server`), stored with an expiry under Teleport's layout: `/databaseServers/default/<host_id>/<name>`,
 * `/kubeServers/<host_id>/<name>`, `/appServers/default/<host_id>/<name>`. Keyed by host and name, so
 * two agents serving the same database each keep their own record.
 */
import { NotFoundError, isCode } from '../api/errors.js';
import { validateAgentServer, type AgentServer, type AgentServerKind } from '../api/types/index.js';
import type { Backend } from '../backend/index.js';
import { rangeEnd } from '../backend/index.js';

/** Where each kind lives. */
export const AGENT_SERVER_PREFIXES: Record<AgentServerKind, string> = {
  db_server: '/databaseServers/default/',
  kube_server: '/kubeServers/',
  app_server: '/appServers/default/',
};

/** The heartbeats of one kind. Throws BadParameterError for a malformed resource, NotFoundError on a missing delete. */
export class AgentServerStore {
  private readonly prefix: string;

  constructor(
    private readonly backend: Backend,
    private readonly kind: AgentServerKind,
  ) {
    this.prefix = AGENT_SERVER_PREFIXES[kind];
  }

  /** Stores the heartbeat (expiring at `metadata.expires` when set), replacing this host's previous one. */
  async upsert(input: AgentServer): Promise<AgentServer> {
    const s = validateAgentServer(this.kind, input);
    const { revision: _revision, ...metadata } = s.metadata;
    const expires = s.metadata.expires ? Date.parse(s.metadata.expires) : undefined;
    const item = { key: this.keyOf(s.spec.host_id, s.metadata.name), value: JSON.stringify({ ...s, metadata }) };
    const lease = await this.backend.put(expires !== undefined && !Number.isNaN(expires) ? { ...item, expires } : item);
    return { ...s, metadata: { ...s.metadata, revision: lease.revision } };
  }

  /** Every live heartbeat of the kind, ordered by host then name. */
  async list(): Promise<AgentServer[]> {
    const items = await this.backend.getRange(this.prefix, rangeEnd(this.prefix));
    return items.map((i) => {
      const s = validateAgentServer(this.kind, JSON.parse(i.value));
      return { ...s, metadata: { ...s.metadata, revision: i.revision } };
    });
  }

  /** Removes host `hostId`'s heartbeat of `name`. */
  async delete(hostId: string, name: string): Promise<void> {
    try {
      await this.backend.delete(this.keyOf(hostId, name));
    } catch (err) {
      if (isCode(err, 'not_found')) throw new NotFoundError(`${this.kind} "${name}" of host ${hostId} is not found`, { cause: err });
      throw err;
    }
  }

  private keyOf(hostId: string, name: string): string {
    return `${this.prefix}${hostId}/${name}`;
  }
}
