/**
 * What `tctl get db_server[/name]` and `tctl get db[/name]` read: the database agents' heartbeats
 * (kind `db_server`, v3), and the databases they carry (kind `db`, v3). Static databases from
 * teleport.yaml exist only inside their heartbeats until dynamic registration lands.
 */
import type { AuthClient } from '../../api/client/index.js';
import { NotFoundError } from '../../api/errors.js';
import type { AgentServer } from '../../api/types/index.js';

/** A reference to one of these kinds, or undefined for any other. */
export function dbKindRef(spec: string): { kind: 'db_server' | 'db'; name?: string } | undefined {
  const [head, ...rest] = spec.split('/');
  const name = rest.join('/') || undefined;
  const k = head.trim().toLowerCase();
  if (['db_server', 'db_servers'].includes(k)) return { kind: 'db_server', ...(name && { name }) };
  if (['db', 'dbs', 'database', 'databases'].includes(k)) return { kind: 'db', ...(name && { name }) };
  return undefined;
}

/** The resources a reference names. NotFoundError for a named one that is not there. */
export async function fetchDbRef(client: Pick<AuthClient, 'listAgentServers'>, ref: { kind: 'db_server' | 'db'; name?: string }): Promise<unknown[]> {
  const servers = (await client.listAgentServers<AgentServer>('db_server')).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const chosen = ref.name ? servers.filter((s) => s.metadata.name === ref.name) : servers;
  if (ref.name && chosen.length === 0) throw new NotFoundError(`${ref.kind} "${ref.name}" not found`);
  if (ref.kind === 'db_server') return chosen;
  const seen = new Set<string>();
  return chosen.map((s) => s.spec.database).filter((d): d is { metadata: { name: string } } => {
    const name = (d as { metadata?: { name?: string } } | undefined)?.metadata?.name;
    if (!name || seen.has(name)) return false;
    seen.add(name);
    return true;
  });
}
