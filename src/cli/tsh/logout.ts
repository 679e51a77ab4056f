/** `tsh logout`: deletes the stored certificates and keys of every profile. */
import { removeAllProfiles, tshHome } from '../../client/index.js';
import type { CommandSpec } from '../framework/index.js';
import type { TshCtx } from './tsh-context.js';

/** The command spec. */
export const logoutCommand: CommandSpec<TshCtx> = {
  name: 'logout',
  help: 'Delete a cluster certificate.',
  async run(inv) {
    await removeAllProfiles(tshHome(inv.io.env, inv.io.homeDir));
    inv.io.stdout.write('Logged out all users from all proxies.\n');
    return 0;
  },
};
