/**
 * The unified resources list of the web UI (`GET /webapi/sites/:site/resources`, Teleport's
 * clusterUnifiedResourcesGet): every kind of resource the user may reach, in one page. Shared by
 * the proxy (src/proxy/web/resources.ts) and web/. Types and constants only.
 *
 * `POST /webapi/sessions/app` (CreateAppSessionRequest/Response below) and
 * `GET /webapi/apps/:fqdn/:cluster/:publicAddr` (AppDetails) are the app launcher's calls.
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

/**
 * An application an agent's app_service serves, as Teleport's unified resources list one (ui.App):
 * `fqdn` is where the browser opens it (its public address in this cluster), `clusterId` the
 * cluster it runs in; a TCP app (`uri` `tcp://...`) is reached with `tsh proxy app`, not launched.
 */
export interface WebApp {
  kind: 'app';
  name: string;
  description: string;
  uri: string;
  publicAddr: string;
  fqdn: string;
  clusterId: string;
  labels: WebLabel[];
  /** Always false here (AWS console apps are not served). */
  awsConsole: boolean;
}

/**
 * A Kubernetes cluster an agent's kubernetes_service serves, as Teleport's unified resources list
 * one (ui.KubeCluster): its name and labels (the kube_cluster's over the heartbeat's).
 */
export interface WebKubeCluster {
  kind: 'kube_cluster';
  name: string;
  labels: WebLabel[];
}

/** One resource of any kind, as the UI lists it; `kind` tells which. */
export type WebUnifiedResource = WebNode | WebDatabase | WebApp | WebKubeCluster;

/** The kinds the endpoint serves, by Teleport's names (`node`, `db`, `app`, `kube_cluster`). */
export type WebResourceKind = WebUnifiedResource['kind'];

/** A page of the unified list: `startKey` is empty on the last page; `totalCount` counts every match. */
export type WebUnifiedPage = WebPage<WebUnifiedResource>;

/** The most items one page holds (Teleport's defaults.MaxIterationLimit). */
export const MAX_RESOURCE_PAGE = 1000;

/** `POST /webapi/sessions/app`: Teleport's ResolveAppParams (the fqdn, or the public address and cluster). */
export interface CreateAppSessionRequest {
  fqdn?: string;
  cluster_name?: string;
  public_addr?: string;
  app_name?: string;
}

/** The new app session: the cookie values the app's host sets through `/x-teleport-auth`. */
export interface CreateAppSessionResponse {
  /** The app session's ID (`__Host-grv_app_session`). */
  cookie_value: string;
  /** Its subject token (`__Host-grv_app_session_subject`). */
  subject_cookie_value: string;
  fqdn: string;
}

/** `GET /webapi/apps/:fqdn/:cluster/:publicAddr`: where the app resolved to. */
export interface AppDetails {
  fqdn: string;
  requiredAppFQDNs: string[];
}
