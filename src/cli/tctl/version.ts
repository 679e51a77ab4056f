/** `tctl version`. */
import { VERSION } from '../../api/version.js';
import type { CommandSpec } from '../framework/index.js';
import type { TctlCtx } from './context.js';

/** What `tctl version` and `tctl --version` print (Teleport's `Teleport v<ver> ...` line). */
export const VERSION_LINE = `Teleport v${VERSION} git: node${process.versions.node}`;

/** The version command; never connects. */
export const versionCommand: CommandSpec<TctlCtx> = {
  name: 'version',
  help: 'Print the version of your tctl binary.',
  async run(inv) {
    inv.io.stdout.write(`${VERSION_LINE}\n`);
  },
};
