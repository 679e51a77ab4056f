/**
 * The auth API's watch stream (`GET /v1/watch?kinds=node,cert_authority,...`), as Teleport's
 * WatchEvents: newline-delimited JSON, first `init` once the server's watcher is registered, then
 * `put` and `delete` of resources of the requested kinds in commit order, and `ping` lines while
 * nothing changes so that either end notices a dead connection. A stream that ends early ends with
 * `{"error":{"code","message"}}` (the watcher fell behind, the auth server is shutting down).
 */

/**
 * Kinds a watch may ask for. Cert authorities are always sent without private keys. An `app_session`
 * travels as `{kind, version, metadata: {name: <session ID>, expires}, spec: <AppSessionWire>}`
 * (see appSessionResource in app-wire.ts).
 */
export const WATCH_KINDS = ['node', 'proxy', 'cert_authority', 'role', 'cluster_auth_preference', 'cluster_networking_config', 'cluster_name', 'db_server', 'kube_server', 'app_server', 'app_session', 'db', 'app'] as const;

/** One of WATCH_KINDS. */
export type WatchKind = (typeof WATCH_KINDS)[number];

/**
 * What a delete names: the kind, the CA type for cert authorities or the serving host's UUID for
 * db_server/kube_server/app_server (`sub_kind`), and the name.
 */
export interface ResourceHeader {
  kind: string;
  sub_kind?: string;
  metadata: { name: string };
}

/** A resource as it travels in events: its header fields and the rest of the document. */
export type WatchedResource = ResourceHeader & Record<string, unknown>;

/** One event a consumer sees (pings are consumed by the client). */
export type WatchEvent =
  | { type: 'init' }
  | { type: 'put'; resource: WatchedResource }
  | { type: 'delete'; resource: ResourceHeader };

/** One line of the stream on the wire. `ping_interval_ms` on `init` tells the client how often to expect a line. */
export type WatchLine = WatchEvent | { type: 'ping' } | { type: 'init'; ping_interval_ms: number };

/** Heartbeat kinds keyed by host and name: two agents may serve the same database or app. */
const PER_HOST_KINDS = new Set(['db_server', 'kube_server', 'app_server']);

/**
 * The identity of a resource within a watch: `kind/sub_kind/name`, where a per-host heartbeat's
 * sub kind is its `spec.host_id` (what its delete's `sub_kind` names).
 */
export function watchKey(r: ResourceHeader): string {
  const host = PER_HOST_KINDS.has(r.kind) ? (r as { spec?: { host_id?: unknown } }).spec?.host_id : undefined;
  return `${r.kind}/${r.sub_kind ?? (typeof host === 'string' ? host : '')}/${r.metadata.name}`;
}
