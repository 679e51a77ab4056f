/** `teleport version`. */
import { VERSION } from '../../api/version.js';
import type { CommandSpec } from '../framework/index.js';
import type { TeleportCtx } from './context.js';

/** The version line, shaped like Teleport's (`Teleport v17.0.0 git:... go1.22`). */
export function versionLine(): string {
  return `Teleport v${VERSION} node${process.versions.node}`;
}

/** The command spec. */
export const versionCommand: CommandSpec<TeleportCtx> = {
  name: 'version',
  help: 'Print the version of your teleport binary.',
  async run(inv) {
    inv.io.stdout.write(versionLine() + '\n');
    return 0;
  },
};
