/** The unified resources list (`GET /webapi/sites/:site/resources`): every kind the user may reach, searched and paged by the proxy. */
import type { WebResourceKind, WebUnifiedPage } from '@api/web-resources-wire';
import { api } from './http';

/** What to list (parameters as src/api/web-resources-wire.ts describes them). */
export interface ResourceQuery {
  kinds?: WebResourceKind[];
  search?: string;
  /** A where-language predicate (`labels["env"] == "prod"`). */
  query?: string;
  /** `name:asc`, `name:desc`, `kind:asc`. */
  sort?: string;
  limit?: number;
  startKey?: string;
}

/** One page of resources. */
export function fetchResources(site: string, q: ResourceQuery, signal?: AbortSignal): Promise<WebUnifiedPage> {
  const p = new URLSearchParams();
  for (const k of q.kinds ?? []) p.append('kinds', k);
  if (q.search) p.set('search', q.search);
  if (q.query) p.set('query', q.query);
  if (q.sort) p.set('sort', q.sort);
  if (q.limit) p.set('limit', String(q.limit));
  if (q.startKey) p.set('startKey', q.startKey);
  return api<WebUnifiedPage>('GET', `/v1/webapi/sites/${encodeURIComponent(site)}/resources?${p}`, undefined, { signal });
}
