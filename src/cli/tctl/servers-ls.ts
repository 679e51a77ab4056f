/**
 * `tctl apps ls`, `tctl db ls`, `tctl kube ls` [labels] [--format]: the applications, databases and
 * Kubernetes clusters agents serve, from their heartbeats (`app_server`, `db_server`,
 * `kube_server`), in Teleport's tables. Each heartbeat carries the served resource in its spec
 * (`app`, `database`, `cluster`); its labels and addresses are what the table shows.
 */
import type { AgentServer, AgentServerKind } from '../../api/types/index.js';
import type { CommandSpec } from '../framework/index.js';
import type { TctlCtx } from './context.js';
import { LABELS_ARG, LISTING_FLAGS, labelFilter, writeListing } from './listing.js';
import { formatLabels } from './text-formats.js';

/** The served resource inside a heartbeat, as far as the tables read it. */
interface Served {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { uri?: string; public_addr?: string; protocol?: string };
}

/** One listing: which heartbeats, the field holding the served resource, and the table. */
interface Listing {
  name: string;
  help: string;
  kind: AgentServerKind;
  field: 'app' | 'database' | 'cluster';
  header: string[];
  row(s: AgentServer, served: Served, labels: string): string[];
}

const LISTINGS: Listing[] = [
  {
    name: 'apps ls',
    help: 'List all applications registered with the cluster.',
    kind: 'app_server',
    field: 'app',
    header: ['Host', 'Name', 'Public Address', 'URI', 'Labels', 'Version'],
    row: (s, a, labels) => [s.spec.hostname, s.metadata.name, a.spec?.public_addr ?? '', a.spec?.uri ?? '', labels, s.spec.version ?? ''],
  },
  {
    name: 'db ls',
    help: 'List all databases registered with the cluster.',
    kind: 'db_server',
    field: 'database',
    header: ['Host', 'Name', 'Protocol', 'URI', 'Labels', 'Version'],
    row: (s, d, labels) => [s.spec.hostname, s.metadata.name, d.spec?.protocol ?? '', d.spec?.uri ?? '', labels, s.spec.version ?? ''],
  },
  {
    name: 'kube ls',
    help: 'List all Kubernetes clusters registered with the cluster.',
    kind: 'kube_server',
    field: 'cluster',
    header: ['Cluster', 'Labels', 'Version'],
    row: (s, _k, labels) => [s.metadata.name, labels, s.spec.version ?? ''],
  },
];

function served(s: AgentServer, field: Listing['field']): Served {
  const v = s.spec[field];
  return typeof v === 'object' && v !== null ? (v as Served) : {};
}

/** The served resource's labels, over the heartbeat's own. */
function labelsOf(s: AgentServer, field: Listing['field']): Record<string, string> {
  return { ...(s.metadata.labels ?? {}), ...(served(s, field).metadata?.labels ?? {}) };
}

function command(l: Listing): CommandSpec<TctlCtx> {
  return {
    name: l.name,
    help: l.help,
    args: [LABELS_ARG],
    flags: LISTING_FLAGS,
    async run(inv, ctx) {
      const { client } = await ctx.connect();
      const wanted = labelFilter(inv.args.labels);
      const servers = (await client.listAgentServers<AgentServer>(l.kind))
        .filter((s) => wanted(labelsOf(s, l.field)))
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name) || a.spec.hostname.localeCompare(b.spec.hostname));
      writeListing(inv.io.stdout, inv.flags.format, servers, l.header, (items) =>
        items.map((s) => l.row(s, served(s, l.field), formatLabels(labelsOf(s, l.field)))),
      );
    },
  };
}

/** The three listings. */
export const [appsLsCommand, dbLsCommand, kubeLsCommand] = LISTINGS.map(command);
