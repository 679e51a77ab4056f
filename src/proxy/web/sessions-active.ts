/**
 * `GET /webapi/sites/:site/sessions`: the live sessions the user may see (the auth server's
 * session trackers, filtered by its RBAC), in Teleport's `{sessions: [session.Session]}` shape.
 */
import type { SessionTracker } from '../../api/types/index.js';
import type { WebActiveSession } from '../../api/web-wire.js';
import type { Caller } from '../../auth/index.js';
import { joinModes } from '../../rbac/index.js';
import type { WebUserAPI } from './ui-auth.js';

/** A tracker as the web UI lists it; `joinModes` are the modes the viewer may join it in. */
export function webActiveSession(t: SessionTracker, joinModes: string[] = []): WebActiveSession {
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
    participantModes: joinModes,
  };
}

/** The modes `caller` may join `t` in: only interactive SSH sessions can be joined (the node decides again). */
export function participantModes(caller: Caller, t: SessionTracker): string[] {
  const owner = t.spec.participants[0]?.user;
  if (!owner || t.spec.kind !== 'ssh' || t.spec.command !== undefined) return [];
  const target = { sessionId: t.spec.session_id, kind: t.spec.kind, owner, ownerRoles: (t.spec.host_policies ?? []).map((p) => p.name) };
  return joinModes({ user: caller.username, roles: caller.checker.all() }, target);
}

/** The live sessions the user may see, oldest first. */
export async function listActiveSessions(api: WebUserAPI): Promise<{ sessions: WebActiveSession[] }> {
  const trackers = await api.listSessionTrackers();
  const sessions = trackers.map((t) => webActiveSession(t, participantModes(api.caller, t))).sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  return { sessions };
}
