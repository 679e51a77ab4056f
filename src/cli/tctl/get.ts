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
import { dbKindRef, fetchDbRef } from './get-db.js';
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
    // db_server is read from the database agents' heartbeats (get-db.ts); each spec is checked before connecting.
    const specs = (inv.args.resources as string).split(',').map((s) => s.trim()).filter((s) => s !== '');
    const refs = specs.map((s) => ({ db: dbKindRef(s), ref: dbKindRef(s) ? undefined : parseKindRef(s) }));
    const withSecrets = inv.flags['with-secrets'] === true;
    const { client } = await ctx.connect();
    const all: AnyResource[] = [];
    for (const { db, ref } of refs) {
      if (db) all.push(...((await fetchDbRef(client, db)) as AnyResource[]));
      else if (ref) all.push(...(await fetchRef(client, ref, withSecrets)));
    }
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
