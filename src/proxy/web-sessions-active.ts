/**
 * `GET /webapi/sites/:site/sessions`: the live sessions the user may see (the auth server's
 * session trackers, filtered by its RBAC), in Teleport's `{sessions: [session.Session]}` shape.
 */
import type { SessionTracker } from '../api/types/index.js';
import type { WebActiveSession } from '../api/web-wire.js';
import type { WebUserAPI } from './web-ui-auth.js';

/** A tracker as the web UI lists it. */
export function webActiveSession(t: SessionTracker): WebActiveSession {
  const s = t.spec;
  const lastActive = s.participants.reduce((max, p) => (p.last_active > max ? p.last_active : max), s.created);
  return {
    id: s.session_id,
    namespace: 'default',
    kind: s.kind,
    login: s.login,
    created: s.created,
    last_active: lastActive,
    server_id: s.host_id,
    server_hostname: s.hostname,
    server_addr: s.address,
    cluster_name: s.cluster_name,
    parties: s.participants.map((p) => ({ id: `${s.session_id}/${p.user}`, user: p.user, mode: p.mode, serverId: s.host_id, lastActive: p.last_active })),
    command: s.command ?? '',
  };
}

/** The live sessions the user may see, oldest first. */
export async function listActiveSessions(api: WebUserAPI): Promise<{ sessions: WebActiveSession[] }> {
  const trackers = await api.listSessionTrackers();
  const sessions = trackers.map(webActiveSession).sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  return { sessions };
}
