/** `tctl rm <kind>/<name>`: deletes one resource. */
import { BadParameterError, NotFoundError, isCode } from '../../api/errors.js';
import { kindInfo, parseKindRef } from '../../api/types/index.js';
import type { CommandSpec } from '../framework/index.js';
import type { TctlCtx } from './context.js';
import { describeDeleted } from './resource-text.js';

/** The rm command. */
export const rmCommand: CommandSpec<TctlCtx> = {
  name: 'rm',
  aliases: ['del'],
  help: 'Delete a resource.',
  args: [{ name: 'resource', help: "Resource to delete: '<kind>/<name>', e.g. role/dev", required: true }],
  async run(inv, ctx) {
    const ref = parseKindRef(inv.args.resource as string);
    const singleton = kindInfo(ref.kind)?.singleton ?? false;
    if (ref.name === undefined && !singleton) {
      throw new BadParameterError(`please specify the name of the ${ref.kind} to delete: tctl rm ${ref.kind}/<name>`);
    }
    const name = ref.name ?? kindInfo(ref.kind)?.singletonName ?? '';
    const what = describeDeleted({ kind: ref.kind, metadata: { name } });
    const { client } = await ctx.connect();
    try {
      await client.deleteResource(ref.kind, name);
    } catch (err) {
      if (isCode(err, 'not_found')) throw new NotFoundError(`${what} doesn't exist`, { cause: err });
      throw err;
    }
    inv.io.stdout.write(singleton ? `${what} has been reset to defaults\n` : `${what} has been deleted\n`);
  },
};
