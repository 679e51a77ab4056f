/** `tctl nodes ls [labels] [--format]`: the registered SSH nodes, as Teleport prints them. */
import type { Node } from '../../api/types/index.js';
import { nodeLabels } from '../../api/types/index.js';
import type { CommandSpec } from '../framework/index.js';
import { makeTable, toGoJSON, toTeleportYAML } from '../framework/index.js';
import type { TctlCtx } from './context.js';
import { formatLabels, parseLabelSpec } from './text-formats.js';

/** What `Public Address` shows: the public address, else the listen address, or the tunnel mark. */
function shownAddress(n: Node): string {
  if (n.spec.use_tunnel) return '⟵ Tunnel';
  return n.spec.public_addrs?.[0] ?? n.spec.addr ?? '';
}

/** The nodes ls command. */
export const nodesLsCommand: CommandSpec<TctlCtx> = {
  name: 'nodes ls',
  help: 'List all active SSH nodes within the cluster.',
  args: [{ name: 'labels', help: 'List of comma separated labels to filter by labels (e.g. key1=value1,key2=value2)' }],
  flags: [
    { name: 'format', type: 'string', enum: ['text', 'json', 'yaml'], help: "Output format, 'text', 'json', or 'yaml'" },
    { name: 'verbose', short: 'v', type: 'bool', help: 'Verbose table output, shows full label output' },
  ],
  async run(inv, ctx) {
    const { client } = await ctx.connect();
    const want = typeof inv.args.labels === 'string' ? parseLabelSpec(inv.args.labels) : {};
    const nodes = (await client.listNodes<Node>())
      .filter((n) => {
        const labels = nodeLabels(n);
        return Object.entries(want).every(([k, v]) => labels[k] === v);
      })
      .sort((a, b) => a.spec.hostname.localeCompare(b.spec.hostname) || a.metadata.name.localeCompare(b.metadata.name));
    const out = inv.io.stdout;
    switch (inv.flags.format as string | undefined) {
      case 'json':
        out.write(toGoJSON(nodes));
        return;
      case 'yaml':
        out.write(toTeleportYAML(nodes));
        return;
    }
    const rows = nodes.map((n) => [n.spec.hostname, n.metadata.name, shownAddress(n), formatLabels(nodeLabels(n)), n.spec.version ?? '']);
    out.write(makeTable(['Host', 'UUID', 'Public Address', 'Labels', 'Version'], rows));
  },
};
