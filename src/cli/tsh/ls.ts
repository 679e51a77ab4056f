/**
 * `tsh ls [k=v,...] [--format=text|json|yaml|names] [-v]`: the nodes the user may see (the auth
 * server filters them by the user's roles), through the proxy, in Teleport's shapes.
 */
import { stringify } from 'yaml';
import type { Node } from '../../api/types/node.js';
import { nodeLabels } from '../../api/types/node-labels.js';
import { formatLabels, formatLabelsVerbose, matchNodes, nodeAddress, parseLabelSelector, sortNodes } from '../../client/index.js';
import { makeTable, makeTableWithTruncatedColumn, type CommandSpec } from '../framework/index.js';
import { connectProxy, type TshCtx } from './tsh-context.js';

/** Printed to stderr when nothing is listed. */
export const EMPTY_NODES_FOOTER =
  '\n  No nodes to show: either none are registered, or your roles do not allow any of them (node_labels and logins).\n' +
  '  Ask your Teleport administrator if you expected to see some.\n';

/** The text table, as Teleport prints it (a blank line after it). */
export function nodesTable(nodes: Node[], verbose: boolean, width: number): string {
  if (verbose) {
    const rows = nodes.map((n) => [n.spec.hostname, n.metadata.name, nodeAddress(n), formatLabelsVerbose(nodeLabels(n))]);
    return makeTable(['Node Name', 'Node ID', 'Address', 'Labels'], rows) + '\n';
  }
  const rows = nodes.map((n) => [n.spec.hostname, nodeAddress(n), formatLabels(nodeLabels(n))]);
  return makeTableWithTruncatedColumn(['Node Name', 'Address', 'Labels'], rows, 'Labels', width) + '\n';
}

/** JSON as Teleport's tsh writes it: two-space indent, HTML-sensitive characters escaped, blank line. */
export function nodesJSON(nodes: Node[]): string {
  const s = JSON.stringify(nodes, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s + '\n';
}

/** YAML: one sequence of resources, keys sorted. */
export function nodesYAML(nodes: Node[]): string {
  return (nodes.length === 0 ? '[]\n' : stringify(nodes, { indentSeq: false, sortMapEntries: true, lineWidth: 0 })) + '\n';
}

/** The command spec. */
export const lsCommand: CommandSpec<TshCtx> = {
  name: 'ls',
  help: 'List the nodes you may log in to.',
  args: [{ name: 'labels', help: 'Only nodes with these labels (key=value[,key=value])', variadic: true }],
  flags: [
    { name: 'verbose', short: 'v', type: 'bool', help: 'Show node UUIDs and every label untruncated' },
    { name: 'format', short: 'f', type: 'string', default: 'text', enum: ['text', 'json', 'yaml', 'names'], help: 'Output format: text, json, yaml or names' },
  ],
  async run(inv, ctx) {
    const selector = parseLabelSelector((inv.args.labels as string[]).join(','));
    const proxy = await connectProxy(inv, ctx);
    let nodes: Node[];
    try {
      nodes = sortNodes(matchNodes(await proxy.authClient().listNodes<Node>(), selector));
    } finally {
      proxy.close();
    }
    const io = inv.io;
    switch (String(inv.flags.format)) {
      case 'json':
        io.stdout.write(nodesJSON(nodes));
        break;
      case 'yaml':
        io.stdout.write(nodesYAML(nodes));
        break;
      case 'names':
        io.stdout.write(nodes.map((n) => `${n.spec.hostname}\n`).join(''));
        break;
      default:
        io.stdout.write(nodesTable(nodes, inv.flags.verbose === true, io.stdout.columns ?? 80));
    }
    if (nodes.length === 0) io.stderr.write(EMPTY_NODES_FOOTER);
    return 0;
  },
};
