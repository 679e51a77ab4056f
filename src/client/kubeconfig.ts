/**
 * tsh's entries in a kubeconfig (Teleport's lib/kube/kubeconfig): a cluster named after the
 * Teleport cluster (the proxy's Kubernetes address, the cluster's CA inlined, `tls-server-name`
 * under TLS routing), and per Kubernetes cluster a context and a user `<teleport>-<kube>` whose
 * credentials come from the exec plugin `tsh kube credentials`, so an expired login asks for a new
 * one instead of failing the TLS handshake. The file is `$KUBECONFIG`'s first entry, else
 * `~/.kube/config`; every other cluster, context, user and field is kept as it was.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import YAML from 'yaml';
import { BadParameterError } from '../api/errors.js';

/** Teleport's context extension naming the Kubernetes cluster. */
export const KUBE_NAME_EXTENSION = 'teleport.kube.name';
/** The exec plugin's API version. */
export const EXEC_API_VERSION = 'client.authentication.k8s.io/v1beta1';

/** A named entry of `clusters`, `contexts` or `users`. */
interface Named<T> {
  name: string;
  [field: string]: unknown;
  cluster?: T;
  context?: T;
  user?: T;
}

/** A kubeconfig as parsed: the lists tsh edits, everything else carried through. */
export interface KubeConfig {
  apiVersion?: string;
  kind?: string;
  clusters: Named<Record<string, unknown>>[];
  contexts: Named<Record<string, unknown>>[];
  users: Named<Record<string, unknown>>[];
  'current-context'?: string;
  [field: string]: unknown;
}

/** What tsh writes for one Teleport cluster. */
export interface TeleportKubeEntries {
  teleportCluster: string;
  /** `https://host:port` of the proxy's Kubernetes front. */
  server: string;
  /** SNI for TLS routing through the web port (`kube-teleport-proxy-alpn.<host>`). */
  tlsServerName?: string;
  /** The cluster's TLS CA certificates (PEM), inlined as certificate-authority-data. */
  caPems: string[];
  /** The Kubernetes clusters to write contexts for. */
  kubeClusters: string[];
  /** The one to make current-context. */
  select?: string;
  /** The exec plugin: tsh's path and the arguments it needs besides the clusters. */
  exec: { command: string; proxy: string; insecure?: boolean; env?: Record<string, string> };
  /** Default namespace of the selected context. */
  namespace?: string;
  /** `--set-context-name`: the selected cluster's context name (a contextNameTemplate result). */
  selectedContextName?: string;
  /** `--as` / `--as-groups`: the selected cluster's user impersonates these (within the roles; the proxy checks). */
  impersonate?: string;
  impersonateGroups?: string[];
}

/** The kubeconfig tsh writes: `$KUBECONFIG`'s first path, else `~/.kube/config`. */
export function kubeconfigPath(env: Record<string, string | undefined>, homeDir: string): string {
  const first = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p !== '');
  return first ?? join(env.HOME || homeDir, '.kube', 'config');
}

/** `<teleport-cluster>-<kube-cluster>`: the context and user name of a Kubernetes cluster. */
export function kubeContextName(teleportCluster: string, kubeCluster: string): string {
  return `${teleportCluster}-${kubeCluster}`;
}

/**
 * Teleport's `--set-context-name` template: `{{.ClusterName}}` (the Teleport cluster) and
 * `{{.KubeName}}` (the Kubernetes cluster) are replaced; BadParameterError for any other
 * `{{...}}` or an empty result.
 */
export function contextNameTemplate(template: string, teleportCluster: string, kubeCluster: string): string {
  const out = template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, field: string) => {
    if (field === '.ClusterName') return teleportCluster;
    if (field === '.KubeName') return kubeCluster;
    throw new BadParameterError(`failed to parse context override template "${template}": only {{.ClusterName}} and {{.KubeName}} may be used, not {{${field}}}`);
  });
  if (out.trim() === '' || /[\u0000-\u001f]/.test(out)) throw new BadParameterError(`context override template "${template}" gives an empty or unprintable context name`);
  return out;
}

/** An empty kubeconfig. */
export function emptyKubeConfig(): KubeConfig {
  return { apiVersion: 'v1', kind: 'Config', preferences: {}, clusters: [], contexts: [], users: [], 'current-context': '' };
}

/** Parses kubeconfig text; BadParameterError naming `path` when it is not a kubeconfig. */
export function parseKubeConfig(text: string, path = 'kubeconfig'): KubeConfig {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new BadParameterError(`failed to parse existing kubeconfig "${path}": ${(err as Error).message}`, { cause: err });
  }
  if (doc === null || doc === undefined) return emptyKubeConfig();
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new BadParameterError(`failed to parse existing kubeconfig "${path}": not a mapping`);
  const cfg = doc as KubeConfig;
  for (const list of ['clusters', 'contexts', 'users'] as const) {
    const v = cfg[list] as unknown;
    if (v === undefined || v === null) cfg[list] = [];
    else if (!Array.isArray(v) || v.some((e) => typeof e !== 'object' || e === null || typeof (e as Named<unknown>).name !== 'string')) {
      throw new BadParameterError(`failed to parse existing kubeconfig "${path}": ${list} must be a list of named entries`);
    }
  }
  return cfg;
}

/** Reads the kubeconfig at `path`; a missing file is an empty config. */
export async function loadKubeConfig(path: string): Promise<KubeConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyKubeConfig();
    throw err;
  }
  return parseKubeConfig(text, path);
}

/** Writes `cfg` to `path` (0600, parent directories created, replaced by rename so a reader never sees half a file). */
export async function saveKubeConfig(path: string, cfg: KubeConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, YAML.stringify(cfg, { lineWidth: 0 }), { mode: 0o600 });
  await rename(tmp, path);
}

function upsert<T>(list: Named<T>[], entry: Named<T>): void {
  const i = list.findIndex((e) => e.name === entry.name);
  if (i >= 0) list[i] = entry;
  else list.push(entry);
}

/**
 * Adds (or replaces) a Teleport cluster's entries in `cfg` and, with `select`, switches
 * current-context to it; returns `cfg`. A context rewritten keeps its namespace and extensions.
 * BadParameterError when there is no CA or `select` is not among `kubeClusters`.
 */
export function addTeleportEntries(cfg: KubeConfig, v: TeleportKubeEntries): KubeConfig {
  const cas = v.caPems.map((p) => p.trim()).filter(Boolean);
  if (cas.length === 0) throw new BadParameterError('TLS trusted CAs missing in provided credentials');
  if (v.select !== undefined && !v.kubeClusters.includes(v.select)) {
    throw new BadParameterError(`can't switch kubeconfig context to cluster "${v.select}", run 'tsh kube ls' to see available clusters`);
  }
  upsert(cfg.clusters, {
    name: v.teleportCluster,
    cluster: {
      server: v.server,
      'certificate-authority-data': Buffer.from(cas.join('\n') + '\n').toString('base64'),
      ...(v.tlsServerName && { 'tls-server-name': v.tlsServerName }),
    },
  });
  const contextOf = (kube: string) => (kube === v.select && v.selectedContextName ? v.selectedContextName : kubeContextName(v.teleportCluster, kube));
  for (const kube of v.kubeClusters) {
    const name = kubeContextName(v.teleportCluster, kube);
    const ctxName = contextOf(kube);
    const args = ['kube', 'credentials', `--kube-cluster=${kube}`, `--teleport-cluster=${v.teleportCluster}`, `--proxy=${v.exec.proxy}`, ...(v.exec.insecure ? ['--insecure'] : [])];
    const env = Object.entries(v.exec.env ?? {}).map(([n, value]) => ({ name: n, value }));
    const selected = kube === v.select;
    upsert(cfg.users, {
      name,
      user: {
        exec: { apiVersion: EXEC_API_VERSION, command: v.exec.command, args, ...(env.length > 0 && { env }), interactiveMode: 'IfAvailable', provideClusterInfo: false },
        ...(selected && v.impersonate && { as: v.impersonate }),
        ...(selected && v.impersonateGroups?.length && { 'as-groups': v.impersonateGroups }),
      },
    });
    const last = cfg.contexts.find((c) => c.name === ctxName)?.context ?? {};
    const lastExt = Array.isArray(last.extensions) ? (last.extensions as { name: string }[]).filter((e) => e.name !== KUBE_NAME_EXTENSION) : [];
    const namespace = kube === v.select && v.namespace ? v.namespace : last.namespace;
    upsert(cfg.contexts, {
      name: ctxName,
      context: {
        cluster: v.teleportCluster,
        user: name,
        ...(namespace !== undefined && { namespace }),
        extensions: [...lastExt, { name: KUBE_NAME_EXTENSION, extension: kube }],
      },
    });
  }
  if (v.select !== undefined) cfg['current-context'] = contextOf(v.select);
  return cfg;
}

/**
 * Removes a Teleport cluster's entries (its cluster, the contexts on it and their users) from
 * `cfg`; current-context, when it was one of them, becomes another remaining context or none.
 * Returns whether anything was removed.
 */
export function removeTeleportEntries(cfg: KubeConfig, teleportCluster: string): boolean {
  const gone = cfg.contexts.filter((c) => c.context?.cluster === teleportCluster || (c.name.startsWith(`${teleportCluster}-`) && isTeleportContext(c)));
  const users = new Set(gone.map((c) => String(c.context?.user ?? '')));
  const names = new Set(gone.map((c) => c.name));
  const before = cfg.clusters.length + cfg.contexts.length + cfg.users.length;
  cfg.contexts = cfg.contexts.filter((c) => !names.has(c.name));
  cfg.users = cfg.users.filter((u) => !users.has(u.name));
  cfg.clusters = cfg.clusters.filter((c) => c.name !== teleportCluster);
  if (names.has(String(cfg['current-context'] ?? ''))) cfg['current-context'] = cfg.contexts[0]?.name ?? '';
  return cfg.clusters.length + cfg.contexts.length + cfg.users.length !== before;
}

/** A context tsh wrote (it carries the teleport.kube.name extension). */
function isTeleportContext(c: Named<Record<string, unknown>>): boolean {
  const ext = c.context?.extensions;
  return Array.isArray(ext) && ext.some((e) => (e as { name?: string }).name === KUBE_NAME_EXTENSION);
}

/** The Kubernetes cluster a context of `cfg` is for, when tsh wrote it. */
export function kubeClusterOfContext(cfg: KubeConfig, context: string): string | undefined {
  const c = cfg.contexts.find((x) => x.name === context);
  const ext = c?.context?.extensions;
  if (!Array.isArray(ext)) return undefined;
  const e = ext.find((x) => (x as { name?: string }).name === KUBE_NAME_EXTENSION) as { extension?: unknown } | undefined;
  return typeof e?.extension === 'string' ? e.extension : undefined;
}

/**
 * The ExecCredential `tsh kube credentials` prints (client.authentication.k8s.io/v1beta1): the
 * certificate and key as PEM and when they expire, after which kubectl runs the plugin again.
 */
export function execCredential(certPem: string, keyPem: string, expires: Date): Record<string, unknown> {
  return {
    kind: 'ExecCredential',
    apiVersion: EXEC_API_VERSION,
    spec: { interactive: false },
    status: { expirationTimestamp: expires.toISOString().replace(/\.\d{3}Z$/, 'Z'), clientCertificateData: certPem, clientKeyData: keyPem },
  };
}

/**
 * The kubeconfig server and SNI for a proxy (Teleport's KubeClusterAddr and GetKubeTLSServerName):
 * with TLS routing the web address and `kube-teleport-proxy-alpn.<host>` (`.teleport.cluster.local`
 * when the host is an IP address or localhost); else the kube public address, or the web host
 * with the kube listener's port. BadParameterError when the proxy serves no Kubernetes.
 */
export function kubeProxyAddr(ping: { tls_routing_enabled?: boolean; kube?: { enabled?: boolean; public_addr?: string; listen_addr?: string } }, webProxyAddr: string): { server: string; tlsServerName?: string } {
  const host = webProxyAddr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (ping.tls_routing_enabled) {
    const ipOrLocal = host === '' || host === 'localhost' || /^[\d.]+$/.test(host) || host.includes(':');
    return { server: `https://${webProxyAddr}`, tlsServerName: `kube-teleport-proxy-alpn.${ipOrLocal ? 'teleport.cluster.local' : host}` };
  }
  const kube = ping.kube;
  if (!kube?.enabled) throw new BadParameterError(`the proxy ${webProxyAddr} does not serve Kubernetes: its administrator sets proxy_service.kube_listen_addr`);
  if (kube.public_addr) return { server: `https://${kube.public_addr}` };
  const port = /:(\d+)$/.exec(kube.listen_addr ?? '')?.[1] ?? '3026';
  return { server: `https://${host.includes(':') ? `[${host}]` : host}:${port}` };
}

/** A kubeconfig holding a certificate and key itself (`tctl auth sign --format=kubernetes`), for where tsh does not run. */
export interface StaticKubeEntries {
  teleportCluster: string;
  server: string;
  tlsServerName?: string;
  caPems: string[];
  /** The Kubernetes cluster the certificate routes to; the context is then `<teleport>-<kube>`, else `<teleport>`. */
  kubeCluster?: string;
  certPem: string;
  keyPem: string;
}

/** Adds (or replaces) the entries of a static-credential kubeconfig in `cfg`, made current; returns `cfg`. */
export function addStaticEntries(cfg: KubeConfig, v: StaticKubeEntries): KubeConfig {
  const cas = v.caPems.map((p) => p.trim()).filter(Boolean);
  if (cas.length === 0) throw new BadParameterError('TLS trusted CAs missing in provided credentials');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const name = v.kubeCluster ? kubeContextName(v.teleportCluster, v.kubeCluster) : v.teleportCluster;
  upsert(cfg.clusters, {
    name: v.teleportCluster,
    cluster: { server: v.server, 'certificate-authority-data': b64(cas.join('\n') + '\n'), ...(v.tlsServerName && { 'tls-server-name': v.tlsServerName }) },
  });
  upsert(cfg.users, { name, user: { 'client-certificate-data': b64(v.certPem), 'client-key-data': b64(v.keyPem) } });
  upsert(cfg.contexts, {
    name,
    context: { cluster: v.teleportCluster, user: name, ...(v.kubeCluster && { extensions: [{ name: KUBE_NAME_EXTENSION, extension: v.kubeCluster }] }) },
  });
  cfg['current-context'] = name;
  return cfg;
}
