/**
 * `tsh kube login <cluster> [-n namespace] [--set-context-name=tmpl] | --all`: checks the cluster is one the user may reach,
 * gets a certificate routed to it (cached beside the profile), writes the kubeconfig entries of
 * every cluster the user sees (exec plugin `tsh kube credentials`) and switches the current
 * context to `<teleport-cluster>-<cluster>`, with Teleport's messages.
 */
import { BadParameterError, NotFoundError } from '../../api/errors.js';
import { contextNameTemplate } from '../../client/kubeconfig.js';
import type { CommandSpec } from '../framework/index.js';
import { kubeCertificate, kubeServerOf, listKubeClusters, writeKubeEntries, type KubeClusterInfo, type ProfileIdentity } from './kube-clusters.js';
import { connectProxy, loadIdentity, type TshCtx } from './tsh-context.js';

/** The command spec. */
export const kubeLoginCommand: CommandSpec<TshCtx> = {
  name: 'kube login',
  help: 'Login to a Kubernetes cluster.',
  args: [{ name: 'kube-cluster', help: 'Name of the Kubernetes cluster to login to. Check \'tsh kube ls\' for a list of available clusters.' }],
  flags: [
    { name: 'all', type: 'bool', help: 'Generate a kubeconfig with every cluster the user has access to.' },
    { name: 'kube-namespace', short: 'n', type: 'string', help: 'Configure the default Kubernetes namespace.' },
    { name: 'as', type: 'string', help: 'Configure custom Kubernetes user impersonation.' },
    { name: 'as-groups', type: 'list', help: 'Configure custom Kubernetes group impersonation.' },
    { name: 'set-context-name', type: 'string', help: 'Define a custom context name or template ({{.ClusterName}}, {{.KubeName}}).' },
  ],
  async run(inv, ctx) {
    const name = typeof inv.args['kube-cluster'] === 'string' ? inv.args['kube-cluster'] : undefined;
    const all = inv.flags.all === true;
    if (!name && !all) throw new BadParameterError("kube-cluster is required: tsh kube login <kube-cluster> (see 'tsh kube ls'), or --all");
    if (name && all) throw new BadParameterError('give either a Kubernetes cluster name or --all, not both');
    const namespace = typeof inv.flags['kube-namespace'] === 'string' && inv.flags['kube-namespace'] !== '' ? inv.flags['kube-namespace'] : undefined;
    if (all && namespace) throw new BadParameterError('--kube-namespace needs one cluster to set it on: tsh kube login <kube-cluster> -n <namespace>');
    const template = typeof inv.flags['set-context-name'] === 'string' && inv.flags['set-context-name'] !== '' ? inv.flags['set-context-name'] : undefined;
    const as = typeof inv.flags.as === 'string' && inv.flags.as !== '' ? inv.flags.as : undefined;
    const asGroups = ((inv.flags['as-groups'] as string[] | undefined) ?? []).filter((g) => g !== '');
    if (asGroups.length > 0 && !as) throw new BadParameterError("--as-groups needs --as as well: kubectl impersonates groups only together with a user (--as=<your Kubernetes user or Teleport user>)");
    if (all && (as || asGroups.length > 0)) throw new BadParameterError('--as and --as-groups apply to one cluster: tsh kube login <kube-cluster> --as=<user> --as-groups=<groups>');
    if (all && template) throw new BadParameterError('--set-context-name names one context: tsh kube login <kube-cluster> --set-context-name=<name>');
    const id = await loadIdentity(inv, ctx);
    if (!id.paths) throw new BadParameterError('Kubernetes logins are kept in a tsh profile: run "tsh login --proxy=<proxy>" instead of -i');
    const contextName = name && template ? contextNameTemplate(template, id.cluster, name) : undefined;
    const { server, tlsServerName } = await kubeServerOf(id);
    const proxy = await connectProxy(inv, ctx);
    let clusters: KubeClusterInfo[];
    try {
      clusters = await listKubeClusters(proxy.authClient());
    } finally {
      proxy.close();
    }
    if (name && !clusters.some((c) => c.name === name)) {
      throw new NotFoundError(`kubernetes cluster "${name}" not found, check 'tsh kube ls' for a list of known clusters`);
    }
    if (name) {
      // Fails here, not at kubectl's first request, when the roles do not reach the cluster.
      await kubeCertificate(id as ProfileIdentity, name, (ctx.sys.now ?? Date.now)(), async () => {
        const p = await connectProxy(inv, ctx);
        return { auth: p.authClient(), close: () => p.close() };
      });
    }
    await writeKubeEntries(inv.io, ctx, id, {
      server,
      ...(tlsServerName && { tlsServerName }),
      clusters: clusters.map((c) => c.name),
      ...(name && { select: name }),
      ...(namespace && { namespace }),
      ...(contextName && { contextName }),
      ...(as && { as }),
      ...(asGroups.length > 0 && { asGroups }),
    });
    if (name) inv.io.stdout.write(`Logged into Kubernetes cluster "${name}". Try 'kubectl version' to test the connection.\n`);
    else inv.io.stdout.write("Created kubeconfig with every Kubernetes cluster available. Select a context and try 'kubectl version' to test the connection.\n");
  },
};
