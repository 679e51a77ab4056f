/**
 * What the `tsh kube` commands (and the kube steps of `tsh login`, `tsh logout`, `tsh status`)
 * share: the Kubernetes clusters the user may see (kube_server heartbeats, which auth filters by
 * the roles' kubernetes_labels), the one the kubeconfig has selected, a certificate routed to one
 * cluster (cached beside the profile), and the kubeconfig entries for the profile's cluster.
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import type { UserCertsRequest } from '../../api/auth-wire.js';
import type { AuthClient } from '../../api/client/index.js';
import { WebClient } from '../../api/client/index.js';
import { AccessDeniedError, BadParameterError } from '../../api/errors.js';
import type { AgentServer } from '../../api/types/index.js';
import type { ClientIdentity, ProfilePaths } from '../../client/index.js';
import { loadKubeCert, saveKubeCert, type KubeCert } from '../../client/kube-certs.js';
import { addTeleportEntries, kubeClusterOfContext, kubeconfigPath, kubeProxyAddr, loadKubeConfig, saveKubeConfig } from '../../client/kubeconfig.js';
import type { CliIO } from '../framework/index.js';
import type { TshCtx } from './tsh-context.js';

/** A Kubernetes cluster as `tsh kube ls` shows it. */
export interface KubeClusterInfo {
  name: string;
  labels: Record<string, string>;
}

/** An identity with profile files (kube certificates live beside the profile). */
export type ProfileIdentity = ClientIdentity & { paths: ProfilePaths };

/** Teleport's refusal when a certificate carries neither a Kubernetes user nor a group. */
export const NO_KUBE_PRINCIPALS =
  "Your user's Teleport role does not allow Kubernetes access. Please ask cluster administrator to ensure your role has appropriate kubernetes_groups and kubernetes_users set.";

/** The clusters of the user's kube_server listing, one per name, sorted. */
export async function listKubeClusters(client: AuthClient): Promise<KubeClusterInfo[]> {
  const servers = await client.listAgentServers<AgentServer>('kube_server');
  const byName = new Map<string, KubeClusterInfo>();
  for (const s of servers) {
    if (byName.has(s.metadata.name)) continue;
    const own = (s.spec.cluster as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels;
    byName.set(s.metadata.name, { name: s.metadata.name, labels: { ...(s.metadata.labels ?? {}), ...(own ?? {}) } });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Teleport's default cluster: the one named like the Teleport cluster, else the first by name. */
export function defaultKubeCluster(names: string[], teleportCluster: string): string | undefined {
  if (names.includes(teleportCluster)) return teleportCluster;
  return [...names].sort()[0];
}

/** The Kubernetes cluster of the kubeconfig's current context, when it is one of `teleportCluster`'s. */
export async function selectedKubeCluster(io: CliIO, teleportCluster: string): Promise<string | undefined> {
  const cfg = await loadKubeConfig(kubeconfigPath(io.env, io.homeDir)).catch(() => undefined);
  const current = cfg?.['current-context'];
  if (!cfg || typeof current !== 'string') return undefined;
  const ctx = cfg.contexts.find((c) => c.name === current);
  if (ctx?.context?.cluster !== teleportCluster) return undefined;
  return kubeClusterOfContext(cfg, current);
}

/** Whether `certPem` was issued for the profile's key (a new login replaces the key). */
function forKey(certPem: string, id: ClientIdentity): boolean {
  const mine = createPublicKey(id.privateKey).export({ type: 'spki', format: 'der' });
  return new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' }).equals(mine);
}

/**
 * A certificate routed to `kubeCluster`: the cached one while it has more than a minute left and
 * belongs to the profile's key, else a new one from auth (through the proxy), cached. Throws the
 * auth server's NotFound/AccessDenied, or AccessDeniedError (Teleport's text) when the roles grant
 * no Kubernetes user or group.
 */
export async function kubeCertificate(id: ProfileIdentity, kubeCluster: string, now: number, client: () => Promise<{ auth: AuthClient; close(): void }>): Promise<KubeCert> {
  const cached = await loadKubeCert(id.paths, id.username, id.cluster, kubeCluster);
  if (cached && cached.expires.getTime() - now > 60_000 && forKey(cached.certPem, id)) return cached;
  const { identityFromCertificate } = await import('../../tlsca/index.js');
  // The Kubernetes certificate lives as long as the login it comes from.
  const ttl = Math.max(60_000, identityFromCertificate(id.tlsCertPem).expires.getTime() - now);
  const conn = await client();
  let tls: string;
  try {
    const req: UserCertsRequest & { kubernetes_cluster: string } = {
      username: id.username,
      public_key: createPublicKey(id.privateKey).export({ type: 'spki', format: 'pem' }).toString(),
      ttl_ms: ttl,
      kubernetes_cluster: kubeCluster,
    };
    const certs = await conn.auth.generateUserCerts(req);
    tls = certs.tls;
  } finally {
    conn.close();
  }
  const cert = await saveKubeCert(id.paths, id.username, id.cluster, kubeCluster, tls);
  if (cert.kubernetesUsers.length === 0 && cert.kubernetesGroups.length === 0) throw new AccessDeniedError(NO_KUBE_PRINCIPALS);
  return cert;
}

/** Where kubectl reaches the proxy's Kubernetes front, from the proxy's ping. */
export async function kubeServerOf(id: ClientIdentity): Promise<{ server: string; tlsServerName?: string }> {
  const ping = await new WebClient({ addr: id.webProxyAddr, insecure: id.insecure === true, caPems: id.tlsCAs }).ping();
  const proxy = ping.proxy as { tls_routing_enabled?: boolean; kube?: { enabled?: boolean; public_addr?: string; listen_addr?: string } };
  return kubeProxyAddr(proxy, id.webProxyAddr);
}

/**
 * Writes the kubeconfig entries of the profile's Teleport cluster for `clusters`, selecting
 * `select` when given (with `namespace` as its default namespace); returns the file's path.
 */
export async function writeKubeEntries(
  io: CliIO,
  ctx: TshCtx,
  id: ClientIdentity,
  o: { server: string; tlsServerName?: string; clusters: string[]; select?: string; namespace?: string; contextName?: string; as?: string; asGroups?: string[] },
): Promise<string> {
  if (id.tlsCAs.length === 0) throw new BadParameterError(`${id.source} has no TLS certificate authorities: log in again with tsh login`);
  const path = kubeconfigPath(io.env, io.homeDir);
  const cfg = await loadKubeConfig(path);
  addTeleportEntries(cfg, {
    teleportCluster: id.cluster,
    server: o.server,
    ...(o.tlsServerName && { tlsServerName: o.tlsServerName }),
    caPems: id.tlsCAs,
    kubeClusters: o.clusters,
    ...(o.select && { select: o.select }),
    ...(o.namespace && { namespace: o.namespace }),
    ...(o.contextName && { selectedContextName: o.contextName }),
    ...(o.as && { impersonate: o.as }),
    ...(o.asGroups?.length && { impersonateGroups: o.asGroups }),
    exec: {
      command: ctx.sys.executablePath ?? 'tsh',
      proxy: id.webProxyAddr,
      ...(id.insecure && { insecure: true }),
      // kubectl runs the plugin with its own environment; tsh's home goes along, as Teleport does.
      ...(io.env.TELEPORT_HOME && { env: { TELEPORT_HOME: io.env.TELEPORT_HOME } }),
    },
  });
  await saveKubeConfig(path, cfg);
  return path;
}
