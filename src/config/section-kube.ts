/**
 * The `kubernetes_service:` section (Teleport's keys): the clusters this agent serves, from a
 * kubeconfig (`kubeconfig_file`: every context is one cluster, named after the context) or from
 * the pod's service account (`kube_cluster_name`), and the static `labels` each is heartbeated
 * with; `listen_addr` (the mutual-TLS listener proxies dial when the service joined auth directly;
 * default port 3026, Teleport's) and `public_addr` (the address heartbeated instead of the bound one).
 * `resources` (dynamic kube_cluster registration) is refused with its name: static clusters only.
 */
import type { Node } from 'yaml';
import { PORTS } from './defaults.js';
import { addr, bool, fields, oneOrMany, str, strMap, type SourceContext } from './read.js';
import type { KubeServiceConfig } from './types.js';

/** Read `kubernetes_service:`; `enabled` is undefined when not written. */
export function readKube(node: Node | null, ctx: SourceContext): { config: KubeServiceConfig; enabled?: boolean } {
  const f = fields(node, 'kubernetes_service', ctx, ['enabled', 'listen_addr', 'public_addr', 'kubeconfig_file', 'kube_cluster_name', 'labels', 'resources']);
  const enabled = f.get('enabled', bool);
  const listenAddr = f.get('listen_addr', addr(PORTS.proxyKube));
  const publicAddrs = f.get('public_addr', oneOrMany(addr(PORTS.proxyKube))) ?? [];
  if (f.has('resources')) f.fail('resources', 'resources (dynamic kube_cluster registration) is not supported by this release yet; list the clusters with kubeconfig_file or kube_cluster_name');
  const kubeconfigFile = f.get('kubeconfig_file', str) || undefined;
  const kubeClusterName = f.get('kube_cluster_name', str) || undefined;
  if (kubeconfigFile && kubeClusterName) {
    f.fail('kube_cluster_name', 'kube_cluster_name names the cluster of the in-cluster service account; with kubeconfig_file the clusters are named after the kubeconfig\'s contexts: remove one of the two');
  }
  if (enabled && !kubeconfigFile && !kubeClusterName) {
    f.fail('enabled', 'kubernetes_service needs kubeconfig_file (the clusters of a kubeconfig) or kube_cluster_name (the cluster this pod runs in)');
  }
  const labels = f.get('labels', strMap) ?? {};
  return { enabled, config: { ...(kubeconfigFile && { kubeconfigFile }), ...(kubeClusterName && { kubeClusterName }), labels, ...(listenAddr && { listenAddr }), publicAddrs } };
}
