/** `tctl status`: cluster name, version, CA rotation state and the CA pin, as a headless table. */
import type { CommandSpec } from '../framework/index.js';
import { makeHeadlessTable } from '../framework/index.js';
import type { TctlCtx } from './context.js';

/** The status command. */
export const statusCommand: CommandSpec<TctlCtx> = {
  name: 'status',
  help: 'Report cluster status.',
  async run(inv, ctx) {
    const { client } = await ctx.connect();
    const st = await client.status();
    const rows: string[][] = [
      ['Cluster', st.cluster_name],
      ['Version', st.server_version],
    ];
    // Teleport formats the label as "%v CA " (trailing space included).
    for (const ca of st.cas) rows.push([`${ca.type} CA `, ca.rotation]);
    for (const ca of st.cas) for (const pin of ca.pins) rows.push(['CA pin', pin]);
    inv.io.stdout.write(makeHeadlessTable(2, rows));
  },
};
