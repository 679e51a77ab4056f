/**
 * `tctl get <kind>[/<name>][,<kind>...] [--format=yaml|json|text] [--with-secrets]`: YAML documents
 * separated by `---` (the default), a JSON array, or a short table. CA private keys only with secrets.
 */
import { parseKindRef } from '../../api/types/index.js';
import type { AnyResource } from '../../api/types/index.js';
import { toJSON, toYAML } from '../../api/types/index.js';
import type { CommandSpec } from '../framework/index.js';
import { makeTable } from '../framework/index.js';
import type { TctlCtx } from './context.js';
import { fetchRef, refName } from './resource-text.js';

/** The get command. */
export const getCommand: CommandSpec<TctlCtx> = {
  name: 'get',
  help: 'Print a YAML declaration of various Teleport resources.',
  args: [{ name: 'resources', help: 'Resource spec: \'type/[name][,...]\' or \'all\'', required: true }],
  flags: [
    { name: 'format', type: 'string', default: 'yaml', enum: ['yaml', 'json', 'text'], help: 'Output format: \'yaml\', \'json\' or \'text\'' },
    { name: 'with-secrets', type: 'bool', help: 'Include secrets in resources like certificate authorities or OIDC connectors' },
  ],
  async run(inv, ctx) {
    const refs = (inv.args.resources as string).split(',').map((s) => s.trim()).filter((s) => s !== '').map(parseKindRef);
    const withSecrets = inv.flags['with-secrets'] === true;
    const { client } = await ctx.connect();
    const all: AnyResource[] = [];
    for (const ref of refs) all.push(...(await fetchRef(client, ref, withSecrets)));
    const out = inv.io.stdout;
    switch (inv.flags.format) {
      case 'json':
        out.write(toJSON(all));
        return;
      case 'text':
        out.write(makeTable(['Kind', 'Name'], all.map((r) => [r.kind, refName(r)])));
        return;
      default:
        out.write(all.length === 0 ? '' : toYAML(all));
    }
  },
};
