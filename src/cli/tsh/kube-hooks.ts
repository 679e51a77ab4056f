/**
 * The Kubernetes steps of `tsh login`, `tsh logout` and `tsh status`, as Teleport's tsh takes
 * them: after a login to a proxy that serves Kubernetes, the kubeconfig gets the entries of every
 * cluster the user may reach and the default one (`--kube-cluster`, else the one named like the
 * Teleport cluster, else the first by name) becomes current; a logout removes the entries of
 * the clusters logged out of; status reads the selected cluster.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import { NotFoundError } from '../../api/errors.js';
import type { ClientIdentity } from '../../client/index.js';
import { removeKubeCerts } from '../../client/kube-certs.js';
import { kubeconfigPath, kubeProxyAddr, loadKubeConfig, removeTeleportEntries, saveKubeConfig } from '../../client/kubeconfig.js';
import type { Invocation } from '../framework/index.js';
import { defaultKubeCluster, listKubeClusters, writeKubeEntries } from './kube-clusters.js';
import { connectProxy, type TshCtx } from './tsh-context.js';

/** The ping fields that say whether and where the proxy serves Kubernetes. */
export interface KubePing {
  tls_routing_enabled?: boolean;
  kube?: { enabled?: boolean; public_addr?: string; listen_addr?: string };
}

/** The Kubernetes address of a proxy (`kube_proxy_addr` of the profile), or undefined when it serves none. */
export function kubeProxyAddrOf(ping: KubePing, webProxyAddr: string): string | undefined {
  if (!ping.tls_routing_enabled && !ping.kube?.enabled) return undefined;
  return kubeProxyAddr(ping, webProxyAddr).server.replace(/^https:\/\//, '');
}

/**
 * After `tsh login`: writes the kubeconfig entries of the user's Kubernetes clusters and selects
 * `wanted` (or the default one). Returns the selected cluster; undefined when the proxy serves no
 * Kubernetes or the user reaches no cluster (the kubeconfig is then left alone). NotFoundError
 * when `wanted` is not among the clusters.
 */
export async function kubeconfigOnLogin(inv: Invocation, ctx: TshCtx, id: ClientIdentity, ping: KubePing, wanted?: string): Promise<string | undefined> {
  // A login brings a new key: the Kubernetes certificates of the previous one are of no more use.
  if (id.paths) await removeKubeCerts(id.paths, id.username);
  if (!kubeProxyAddrOf(ping, id.webProxyAddr)) {
    if (wanted) throw new NotFoundError(`the proxy ${id.webProxyAddr} does not serve Kubernetes, so --kube-cluster=${wanted} cannot be selected`);
    return undefined;
  }
  const proxy = await connectProxy(inv, ctx);
  let names: string[];
  try {
    names = (await listKubeClusters(proxy.authClient())).map((c) => c.name);
  } finally {
    proxy.close();
  }
  if (wanted && !names.includes(wanted)) throw new NotFoundError(`kubernetes cluster "${wanted}" not found, check 'tsh kube ls' for a list of known clusters`);
  if (names.length === 0) return undefined;
  const select = wanted ?? defaultKubeCluster(names, id.cluster);
  const { server, tlsServerName } = kubeProxyAddr(ping, id.webProxyAddr);
  await writeKubeEntries(inv.io, ctx, id, { server, ...(tlsServerName && { tlsServerName }), clusters: names, ...(select && { select }) });
  return select;
}

/** The Teleport clusters of the profiles under `home` (read before a logout removes them). */
export async function profileClusters(home: string): Promise<string[]> {
  const out = new Set<string>();
  for (const f of (await readdir(home).catch(() => [] as string[])).filter((e) => e.endsWith('.yaml'))) {
    try {
      const p = YAML.parse(await readFile(join(home, f), 'utf8')) as { cluster?: unknown };
      if (typeof p?.cluster === 'string' && p.cluster !== '') out.add(p.cluster);
    } catch {
      // An unreadable profile names no cluster.
    }
  }
  return [...out];
}

/** After `tsh logout`: removes the kubeconfig entries of `clusters`; the file is rewritten only when something changed. */
export async function kubeconfigOnLogout(io: Invocation['io'], clusters: string[]): Promise<void> {
  if (clusters.length === 0) return;
  const path = kubeconfigPath(io.env, io.homeDir);
  const cfg = await loadKubeConfig(path);
  let changed = false;
  for (const c of clusters) changed = removeTeleportEntries(cfg, c) || changed;
  if (changed) await saveKubeConfig(path, cfg);
}
