/**
 * `tsh apps ls [k=v,...] [-v] [--format=text|json|yaml]`: the apps agents serve that the user's roles reach
 * (auth filters them by app_labels), in Teleport's table (Application, Description, Type, Public
 * Address, Labels); the ones logged into are marked `> name`.
 */
import { stringify } from 'yaml';
import { formatLabels, parseLabelSelector, type AppLogin } from '../../client/index.js';
import { makeTable, makeTableWithTruncatedColumn, type CommandSpec } from '../framework/index.js';
import { appLogins, appProfile, isTCPApp, listApps, type AppResource } from './app-common.js';
import { connectProxy, type TshCtx } from './tsh-context.js';

/** The apps carrying every label of `selector` (exact values), as `tsh apps ls env=dev` filters. */
export function filterApps(apps: AppResource[], selector: Record<string, string>): AppResource[] {
  return apps.filter((a) => Object.entries(selector).every(([k, v]) => (a.metadata.labels ?? {})[k] === v));
}

/** The text table. */
export function appsTable(apps: AppResource[], active: AppLogin[], verbose: boolean, width: number): string {
  const rows = apps.map((a) => {
    const name = active.some((l) => l.route.name === a.metadata.name) ? `> ${a.metadata.name}` : a.metadata.name;
    const type = isTCPApp(a) ? 'TCP' : 'HTTP';
    const labels = formatLabels(a.metadata.labels ?? {});
    return verbose ? [name, a.metadata.description ?? '', type, a.spec.public_addr, a.spec.uri, labels] : [name, a.metadata.description ?? '', type, a.spec.public_addr, labels];
  });
  if (verbose) return makeTable(['Application', 'Description', 'Type', 'Public Address', 'URI', 'Labels'], rows) + '\n';
  return makeTableWithTruncatedColumn(['Application', 'Description', 'Type', 'Public Address', 'Labels'], rows, 'Labels', width) + '\n';
}

/** The command spec. */
export const appLsCommand: CommandSpec<TshCtx> = {
  name: 'apps ls',
  aliases: ['app ls'],
  help: 'List available applications.',
  args: [{ name: 'labels', help: 'List of labels to filter app list (key=value[,key=value])', variadic: true }],
  flags: [
    { name: 'verbose', short: 'v', type: 'bool', help: 'Show extra application fields.' },
    { name: 'format', short: 'f', type: 'string', default: 'text', enum: ['text', 'json', 'yaml'], help: 'Format output (text, json, yaml)' },
  ],
  async run(inv, ctx) {
    const selector = parseLabelSelector(((inv.args.labels as string[] | undefined) ?? []).join(','));
    const id = await appProfile(inv, ctx);
    const proxy = await connectProxy(inv, ctx);
    let apps: AppResource[];
    try {
      apps = filterApps(await listApps(proxy.authClient()), selector);
    } finally {
      proxy.close();
    }
    const out = inv.io.stdout;
    if (inv.flags.format === 'json') return void out.write(JSON.stringify(apps, null, 2) + '\n');
    if (inv.flags.format === 'yaml') return void out.write((apps.length === 0 ? '[]\n' : stringify(apps, { sortMapEntries: true })) + '\n');
    out.write(appsTable(apps, await appLogins(id), inv.flags.verbose === true, out.columns ?? 80));
  },
};
