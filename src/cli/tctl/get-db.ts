/**
 * What `tctl get db_server[/name]` reads: the database agents' heartbeats (kind `db_server`, v3),
 * each carrying the database it serves. `tctl get db` reads the `db` resources (dynamic
 * registration) through the generic resource API, as Teleport does.
 */
import type { AuthClient } from '../../api/client/index.js';
import { NotFoundError } from '../../api/errors.js';
import type { AgentServer } from '../../api/types/index.js';

/** A reference to db_server, or undefined for any other kind. */
export function dbKindRef(spec: string): { kind: 'db_server'; name?: string } | undefined {
  const [head, ...rest] = spec.split('/');
  const name = rest.join('/') || undefined;
  if (['db_server', 'db_servers'].includes(head.trim().toLowerCase())) return { kind: 'db_server', ...(name && { name }) };
  return undefined;
}

/** The heartbeats a reference names. NotFoundError for a named one that is not there. */
export async function fetchDbRef(client: Pick<AuthClient, 'listAgentServers'>, ref: { kind: 'db_server'; name?: string }): Promise<unknown[]> {
  const servers = (await client.listAgentServers<AgentServer>('db_server')).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const chosen = ref.name ? servers.filter((s) => s.metadata.name === ref.name) : servers;
  if (ref.name && chosen.length === 0) throw new NotFoundError(`db_server "${ref.name}" not found`);
  return chosen;
}
