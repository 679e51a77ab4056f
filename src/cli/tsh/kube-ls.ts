/**
 * `tsh kube ls [k=v,...] [--format=text|json|yaml] [-v] [-q]`: the Kubernetes clusters the user's roles
 * reach, in Teleport's table (Kube Cluster Name, Labels, Selected), the one the kubeconfig's
 * current context points at marked `*`; json/yaml as Teleport serializes them
 * (`kube_cluster_name`, `labels`, `selected`).
 */
import { stringify } from 'yaml';
import { parseLabelSelector } from '../../client/index.js';
import { makeHeadlessTable, makeTable, makeTableWithTruncatedColumn, type CommandSpec } from '../framework/index.js';
import { listKubeClusters, selectedKubeCluster, type KubeClusterInfo } from './kube-clusters.js';
import { connectProxy, loadIdentity, type TshCtx } from './tsh-context.js';

/** Teleport's label cell: sorted `k=v` joined by spaces. */
export function kubeLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(' ');
}

/** The text table. */
export function kubeClustersTable(clusters: KubeClusterInfo[], selected: string | undefined, o: { verbose?: boolean; quiet?: boolean; width: number }): string {
  const rows = clusters.map((c) => [c.name, kubeLabels(c.labels), c.name === selected ? '*' : '']);
  if (o.quiet) return makeHeadlessTable(2, rows.map((r) => r.slice(0, 2))) + '\n';
  const header = ['Kube Cluster Name', 'Labels', 'Selected'];
  if (o.verbose) return makeTable(header, rows) + '\n';
  return makeTableWithTruncatedColumn(header, rows, 'Labels', o.width) + '\n';
}

/** The command spec. */
export const kubeLsCommand: CommandSpec<TshCtx> = {
  name: 'kube ls',
  help: 'Get a list of Kubernetes clusters.',
  args: [{ name: 'labels', help: 'List of labels to filter Kubernetes cluster list (key=value[,key=value])', variadic: true }],
  flags: [
    { name: 'format', short: 'f', type: 'string', default: 'text', enum: ['text', 'json', 'yaml'], help: 'Format output (text, json, yaml)' },
    { name: 'verbose', short: 'v', type: 'bool', help: 'Show an untruncated list of labels.' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Quiet mode.' },
  ],
  async run(inv, ctx) {
    const wanted = parseLabelSelector((inv.args.labels as string[]).join(','));
    const id = await loadIdentity(inv, ctx);
    const proxy = await connectProxy(inv, ctx);
    let clusters: KubeClusterInfo[];
    try {
      clusters = (await listKubeClusters(proxy.authClient())).filter((c) => Object.entries(wanted).every(([k, v]) => c.labels[k] === v));
    } finally {
      proxy.close();
    }
    const selected = await selectedKubeCluster(inv.io, id.cluster);
    const out = inv.io.stdout;
    const data = clusters.map((c) => ({ kube_cluster_name: c.name, labels: c.labels, selected: c.name === selected }));
    if (inv.flags.format === 'json') return void out.write(JSON.stringify(data, null, 2) + '\n');
    if (inv.flags.format === 'yaml') return void out.write((data.length === 0 ? '[]\n' : stringify(data)) + '\n');
    out.write(kubeClustersTable(clusters, selected, { verbose: inv.flags.verbose === true, quiet: inv.flags.quiet === true, width: out.columns ?? 80 }));
  },
};
