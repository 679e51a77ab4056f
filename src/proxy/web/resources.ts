/**
 * `GET /webapi/sites/:site/resources` (Teleport's unified resources) and `/nodes`: the resources of
 * every kind the user may see, in one list searched, filtered, sorted and paged here (parameters in
 * src/api/web-resources-wire.ts). A kind is one entry of RESOURCE_KINDS: how to list what the user
 * may see (auth's RBAC decides, as for every call the user makes) and the fields search, `query`
 * and `sort` read. Bad parameters, and kinds the table does not know, are refused with a 400.
 */
import { BadParameterError } from '../../api/errors.js';
import { parseWhere, type WhereExpr } from '../../api/types/index.js';
import type { AgentServer } from '../../api/types/index.js';
import { MAX_RESOURCE_PAGE, type WebDatabase, type WebKubeCluster, type WebResourceKind, type WebUnifiedPage, type WebUnifiedResource } from '../../api/web-resources-wire.js';
import { evaluateWhere } from '../../rbac/index.js';
import type { WebContext } from './auth.js';
import { listWebApps } from './apps.js';
import { webNode } from './nodes.js';

/** What listing a kind needs: the user's API (RBAC-filtered by auth) and the cluster name for `siteId`. */
export interface ListContext {
  ctx: Pick<WebContext, 'caller' | 'api'>;
  clusterName: string;
}

/** One kind of resource in the unified list. */
interface ResourceKind<T extends WebUnifiedResource> {
  /** The kind's resources the user may see, in the UI's shape. */
  list(l: ListContext): Promise<T[]>;
  /** The name shown and sorted by (a node's hostname). */
  name(r: T): string;
  /** The resource's unique name (`metadata.name`). */
  id(r: T): string;
  labels(r: T): Record<string, string>;
  /** Fields under `resource.spec` for `query` and `sort` (besides `name` and `kind`); search reads them too. */
  spec(r: T): Record<string, string>;
  /** The keys `spec` returns. */
  specFields: readonly string[];
}

/** The db resource a db_server heartbeat carries (`spec.database`), as the agent's db_service writes it. */
interface HeartbeatDatabase {
  metadata?: { name?: string; description?: string; labels?: Record<string, string> };
  spec?: { protocol?: string; uri?: string };
}

/** The host of a `host:port` URI (`[::1]:5432` gives `::1`). */
function uriHost(uri: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(uri) ?? /^([^:]*)(?::\d+)?$/.exec(uri);
  return m ? m[1] : uri;
}

/** A db_server heartbeat as the UI lists its database (Teleport's ui.Database); labels sorted by name. */
export function webDatabase(s: AgentServer): WebDatabase {
  const db = (s.spec.database ?? {}) as HeartbeatDatabase;
  const labels = db.metadata?.labels ?? {};
  return {
    kind: 'db',
    name: db.metadata?.name ?? s.metadata.name,
    description: db.metadata?.description ?? '',
    type: 'self-hosted',
    protocol: db.spec?.protocol ?? '',
    labels: Object.keys(labels)
      .sort()
      .map((name) => ({ name, value: String(labels[name]) })),
    hostname: uriHost(db.spec?.uri ?? ''),
  };
}

/** A kube_server heartbeat as the UI lists its cluster (Teleport's ui.KubeCluster); labels sorted by name. */
export function webKubeCluster(s: AgentServer): WebKubeCluster {
  const own = (s.spec.cluster as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels ?? {};
  const labels: Record<string, string> = { ...(s.metadata.labels ?? {}), ...own };
  return {
    kind: 'kube_cluster',
    name: s.metadata.name,
    labels: Object.keys(labels)
      .sort()
      .map((name) => ({ name, value: String(labels[name]) })),
  };
}

/** One entry per database: agents serving the same database each heartbeat it. */
function uniqueByName(dbs: WebDatabase[]): WebDatabase[] {
  return [...new Map(dbs.map((d) => [d.name, d])).values()];
}

type KindTable = { [K in WebResourceKind]: ResourceKind<Extract<WebUnifiedResource, { kind: K }>> };

/** Every kind the endpoint serves. */
const RESOURCE_KINDS: KindTable = {
  node: {
    list: async ({ ctx, clusterName }) => (await ctx.api.listNodes()).map((n) => webNode(n, ctx.caller, clusterName)),
    name: (n) => n.hostname,
    id: (n) => n.id,
    labels: (n) => Object.fromEntries(n.tags.map((t) => [t.name, t.value])),
    spec: (n) => ({ hostname: n.hostname, addr: n.addr, tunnel: String(n.tunnel) }),
    specFields: ['hostname', 'addr', 'tunnel'],
  },
  db: {
    list: async ({ ctx }) => uniqueByName((await ctx.api.listDatabaseServers()).map(webDatabase)),
    name: (d) => d.name,
    id: (d) => d.name,
    labels: (d) => Object.fromEntries(d.labels.map((t) => [t.name, t.value])),
    spec: (d) => ({ description: d.description, protocol: d.protocol, type: d.type, hostname: d.hostname }),
    specFields: ['description', 'protocol', 'type', 'hostname'],
  },
  kube_cluster: {
    list: async ({ ctx }) => [...new Map((await ctx.api.listKubeServers()).map((s) => [s.metadata.name, webKubeCluster(s)])).values()],
    name: (k) => k.name,
    id: (k) => k.name,
    labels: (k) => Object.fromEntries(k.labels.map((t) => [t.name, t.value])),
    spec: () => ({}),
    specFields: [],
  },
  app: {
    list: ({ ctx, clusterName }) => listWebApps(ctx.api, clusterName),
    name: (a) => a.name,
    id: (a) => a.name,
    labels: (a) => Object.fromEntries(a.labels.map((t) => [t.name, t.value])),
    spec: (a) => ({ description: a.description, public_addr: a.publicAddr, uri: a.uri }),
    specFields: ['description', 'public_addr', 'uri'],
  },
};

/** The kinds of the table, in its order. */
export const RESOURCE_KIND_NAMES = Object.keys(RESOURCE_KINDS) as WebResourceKind[];

function kindOf(r: WebUnifiedResource): ResourceKind<WebUnifiedResource> {
  return RESOURCE_KINDS[r.kind] as ResourceKind<WebUnifiedResource>;
}

/** A parsed request. */
export interface ListRequest {
  kinds: WebResourceKind[];
  keywords: string[];
  query?: WhereExpr;
  sort: { field: string; desc: boolean };
  limit: number;
  start?: Cursor;
}

/** Where a page starts: the sort value, kind and id of its first item. */
type Cursor = [value: string, kind: string, id: string];

/** Words of `search`; "double-quoted phrases" stay one keyword. Lower-cased. */
export function searchKeywords(search: string): string[] {
  return [...search.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] ?? m[2]).toLowerCase()).filter(Boolean);
}

function parseKinds(query: URLSearchParams, allowed: readonly WebResourceKind[]): WebResourceKind[] {
  const asked = query
    .getAll('kinds')
    .flatMap((v) => v.split(','))
    .map((k) => k.trim())
    .filter(Boolean);
  if (asked.length === 0) return [...allowed];
  for (const k of asked) {
    if (!(allowed as readonly string[]).includes(k)) {
      throw new BadParameterError(`unknown resource kind "${k}" in kinds (this endpoint lists: ${allowed.join(', ')})`);
    }
  }
  return [...new Set(asked)] as WebResourceKind[];
}

function parseLimit(raw: string | null): number {
  if (raw === null || raw === '') return MAX_RESOURCE_PAGE;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new BadParameterError(`limit must be a whole number from 1 to ${MAX_RESOURCE_PAGE}, got "${raw}"`);
  return Math.min(MAX_RESOURCE_PAGE, Number(raw));
}

function parseSort(raw: string | null): ListRequest['sort'] {
  const [field, dir = 'asc', ...rest] = (raw || 'name:asc').split(':');
  if (!/^[a-z_]+$/i.test(field) || rest.length > 0) throw new BadParameterError(`sort must be "field:asc" or "field:desc", got "${raw}"`);
  if (dir !== 'asc' && dir !== 'desc') throw new BadParameterError(`sort direction must be asc or desc, got "${dir}"`);
  return { field, desc: dir === 'desc' };
}

/** A BadParameterError for `query`, the where-language's message without its `where:` prefix. */
function queryError(err: unknown): BadParameterError {
  return new BadParameterError(`query: ${err instanceof Error ? err.message.replace(/^where: /, '') : String(err)}`, { cause: err });
}

function parseQuery(raw: string | null): WhereExpr | undefined {
  if (!raw || raw.trim() === '') return undefined;
  try {
    const expr = parseWhere(raw);
    // A non-boolean expression (a bare `labels.env`) fails here, not only when something matches.
    evaluateWhere(expr, { name: '', kind: '', labels: {}, resource: { metadata: { labels: {} }, spec: {} } });
    return expr;
  } catch (err) {
    throw queryError(err);
  }
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(raw: string | null): Cursor | undefined {
  if (!raw) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 3 && v.every((s) => typeof s === 'string')) return v as Cursor;
  } catch {
    // refused below
  }
  throw new BadParameterError('startKey is not one this endpoint gave out: pass the startKey of the previous page');
}

/**
 * Teleport's parameters for what this cluster does not have (pinned resources, resources reachable
 * only through an access request): their neutral values pass, anything else is refused rather than
 * answered as if it had been applied.
 */
function refuseUnsupported(query: URLSearchParams): void {
  if (query.get('pinnedOnly') === 'true') throw new BadParameterError('pinnedOnly=true is not supported: this cluster has no pinned resources');
  const mode = query.get('includedResourceMode') ?? '';
  if (query.get('searchAsRoles') === 'yes' || (mode !== '' && mode !== 'accessible')) {
    throw new BadParameterError('resources reachable through access requests are not supported (searchAsRoles, includedResourceMode): only those the roles reach are listed');
  }
}

/** Parses the query string of `/resources`; `allowed` are the kinds the route serves. Throws BadParameterError. */
export function parseListRequest(query: URLSearchParams, allowed: readonly WebResourceKind[] = RESOURCE_KIND_NAMES): ListRequest {
  refuseUnsupported(query);
  const kinds = parseKinds(query, allowed);
  const q = parseQuery(query.get('query'));
  const start = decodeCursor(query.get('startKey'));
  const sort = parseSort(query.get('sort'));
  const sortable = ['name', 'kind', ...new Set(kinds.flatMap((k) => RESOURCE_KINDS[k].specFields))];
  if (!sortable.includes(sort.field)) throw new BadParameterError(`cannot sort by "${sort.field}" (sortable: ${sortable.join(', ')})`);
  return { kinds, keywords: searchKeywords(query.get('search') ?? ''), ...(q && { query: q }), sort, limit: parseLimit(query.get('limit')), ...(start && { start }) };
}

/** The fields each search keyword is matched against. */
function searchFields(r: WebUnifiedResource): string[] {
  const k = kindOf(r);
  const labels = Object.entries(k.labels(r)).flatMap(([n, v]) => [n, v, `${n}: ${v}`, `${n}=${v}`]);
  return [k.name(r), k.id(r), ...Object.values(k.spec(r)), ...labels].map((f) => f.toLowerCase());
}

/** What a `query` expression sees of a resource. */
function queryContext(r: WebUnifiedResource): Record<string, unknown> {
  const k = kindOf(r);
  const labels = k.labels(r);
  return { name: k.id(r), kind: r.kind, labels, resource: { kind: r.kind, metadata: { name: k.id(r), labels }, spec: k.spec(r) } };
}

/** The value `field` sorts `r` by; a kind without the field sorts as empty. */
function sortValue(r: WebUnifiedResource, field: string): string {
  const k = kindOf(r);
  if (field === 'name') return k.name(r);
  if (field === 'kind') return r.kind;
  return k.spec(r)[field] ?? '';
}

/** Lists, filters, sorts and pages the resources `req` asks for. */
export async function listResources(l: ListContext, req: ListRequest): Promise<WebUnifiedPage> {
  const lists = await Promise.all(req.kinds.map((kind) => (RESOURCE_KINDS[kind] as ResourceKind<WebUnifiedResource>).list(l)));
  let items = lists.flat();
  if (req.keywords.length > 0) {
    items = items.filter((r) => {
      const fields = searchFields(r);
      return req.keywords.every((w) => fields.some((f) => f.includes(w)));
    });
  }
  if (req.query) {
    const expr = req.query;
    items = items.filter((r) => {
      try {
        return evaluateWhere(expr, queryContext(r));
      } catch (err) {
        throw queryError(err);
      }
    });
  }
  const { field, desc } = req.sort;
  const keyed = items.map((r) => ({ r, key: [sortValue(r, field), r.kind, kindOf(r).id(r)] as Cursor }));
  const cmp = (a: Cursor, b: Cursor) => (collator.compare(a[0], b[0]) || cmpPlain(a[1], b[1]) || cmpPlain(a[2], b[2])) * (desc ? -1 : 1);
  keyed.sort((a, b) => cmp(a.key, b.key));
  const from = req.start ? keyed.findIndex((x) => cmp(x.key, req.start!) >= 0) : 0;
  const begin = from < 0 ? keyed.length : from;
  const page = keyed.slice(begin, begin + req.limit);
  const next = keyed[begin + req.limit];
  return { items: page.map((x) => x.r), startKey: next ? encodeCursor(next.key) : '', totalCount: keyed.length };
}

/** Names compare as people read them (`web-2` before `web-10`); one collator, since localeCompare builds one per call. */
const collator = new Intl.Collator('en', { numeric: true });

function cmpPlain(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `GET /webapi/sites/:site/resources`. */
export function getUnifiedResources(l: ListContext, query: URLSearchParams): Promise<WebUnifiedPage> {
  return listResources(l, parseListRequest(query));
}

/** `GET /webapi/sites/:site/nodes`: the same list, of nodes only (sorted by `hostname` by default). */
export function getNodes(l: ListContext, query: URLSearchParams): Promise<WebUnifiedPage> {
  return listResources(l, parseListRequest(query, ['node']));
}
