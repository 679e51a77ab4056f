/** Live sessions in the cluster, as the user may see them. */
import type { WebActiveSession } from '@api/web-wire';
import { api } from './http';

/** `GET /webapi/sites/:site/sessions`: the live sessions, oldest first. */
export async function fetchActiveSessions(site: string): Promise<WebActiveSession[]> {
  const r = await api<{ sessions: WebActiveSession[] }>('GET', `/v1/webapi/sites/${encodeURIComponent(site)}/sessions`);
  return r.sessions;
}
