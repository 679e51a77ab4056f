/** The cluster and what the user may do in it: clusters, the user context. */
import type { UserContext, WebCluster } from '@api/web-wire';
import { api } from './http';

/** `GET /webapi/sites`. */
export function fetchClusters(): Promise<WebCluster[]> {
  return api<WebCluster[]>('GET', '/v1/webapi/sites');
}

/** `GET /webapi/sites/:site/context`. */
export function fetchUserContext(site: string): Promise<UserContext> {
  return api<UserContext>('GET', `/v1/webapi/sites/${encodeURIComponent(site)}/context`);
}

/** `GET /webapi/ping`: the cluster name, before logging in. */
export async function fetchClusterName(): Promise<string> {
  const r = await api<{ cluster_name: string }>('GET', '/v1/webapi/ping', undefined, { public: true, anonymous: true });
  return r.cluster_name;
}
