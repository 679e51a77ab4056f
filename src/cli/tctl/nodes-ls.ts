/** `tctl nodes ls [labels] [--format]`: the registered SSH nodes, as Teleport prints them. */
import type { Node } from '../../api/types/index.js';
import { nodeLabels } from '../../api/types/index.js';
import type { CommandSpec } from '../framework/index.js';
import type { TctlCtx } from './context.js';
import { LABELS_ARG, LISTING_FLAGS, labelFilter, writeListing } from './listing.js';
import { formatLabels } from './text-formats.js';

/** What `Public Address` shows: the public address, else the listen address, or the tunnel mark. */
function shownAddress(n: Node): string {
  if (n.spec.use_tunnel) return '⟵ Tunnel';
  return n.spec.public_addrs?.[0] ?? n.spec.addr ?? '';
}

/** The nodes ls command. */
export const nodesLsCommand: CommandSpec<TctlCtx> = {
  name: 'nodes ls',
  help: 'List all active SSH nodes within the cluster.',
  args: [LABELS_ARG],
  flags: LISTING_FLAGS,
  async run(inv, ctx) {
    const { client } = await ctx.connect();
    const wanted = labelFilter(inv.args.labels);
    const nodes = (await client.listNodes<Node>())
      .filter((n) => wanted(nodeLabels(n)))
      .sort((a, b) => a.spec.hostname.localeCompare(b.spec.hostname) || a.metadata.name.localeCompare(b.metadata.name));
    writeListing(inv.io.stdout, inv.flags.format, nodes, ['Host', 'UUID', 'Public Address', 'Labels', 'Version'], (items) =>
      items.map((n) => [n.spec.hostname, n.metadata.name, shownAddress(n), formatLabels(nodeLabels(n)), n.spec.version ?? '']),
    );
  },
};
