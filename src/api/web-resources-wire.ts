/**
 * The unified resources list of the web UI (`GET /webapi/sites/:site/resources`, Teleport's
 * clusterUnifiedResourcesGet): every kind of resource the user may reach, in one page. Shared by
 * the proxy (src/proxy/web/resources.ts) and web/. Types and constants only.
 *
 * Query parameters: `kinds` (repeated or comma-separated; default every kind), `search` (words,
 * "quoted phrases" kept whole, each matched case-insensitively against the name, address, id and
 * labels), `query` (a predicate in the where-language: `labels.env == "prod" && !exists(labels.x)`,
 * `hasPrefix(name, "web")`, over `name`, `kind`, `labels`, `resource.metadata.name`,
 * `resource.spec.*`), `sort` (`name|kind|<spec field>:asc|desc`, default `name:asc`), `limit`
 * (1..1000, default 1000) and `startKey` (the page's `startKey`, to read the next one). Teleport's
 * `pinnedOnly`, `searchAsRoles` and `includedResourceMode` pass only with their neutral values.
 */
import type { WebLabel, WebNode, WebPage } from './web-wire.js';

/**
 * A database an agent's db_service serves, as Teleport's unified resources list one (ui.Database):
 * `type` is where it runs (`self-hosted`), `hostname` the host of its URI.
 */
export interface WebDatabase {
  kind: 'db';
  name: string;
  description: string;
  type: string;
  /** `postgres`, `mysql`. */
  protocol: string;
  labels: WebLabel[];
  hostname: string;
}

/** One resource of any kind, as the UI lists it; `kind` tells which. Kubernetes clusters and apps join this union. */
export type WebUnifiedResource = WebNode | WebDatabase;

/** The kinds the endpoint serves, by Teleport's names (`node`, `db`; later `kube_cluster`, `app`). */
export type WebResourceKind = WebUnifiedResource['kind'];

/** A page of the unified list: `startKey` is empty on the last page; `totalCount` counts every match. */
export type WebUnifiedPage = WebPage<WebUnifiedResource>;

/** The most items one page holds (Teleport's defaults.MaxIterationLimit). */
export const MAX_RESOURCE_PAGE = 1000;
