/** `tsh status`: the current profile, or "Not logged in." */
import { isCode } from '../../api/errors.js';
import { loadProfile, tshHome } from '../../client/index.js';
import type { CommandSpec } from '../framework/index.js';
import type { TshCtx } from './tsh-context.js';
import { statusText } from './status-text.js';

/** The command spec. */
export const statusCommand: CommandSpec<TshCtx> = {
  name: 'status',
  help: 'Display the list of proxy servers and retrieved certificates.',
  async run(inv) {
    try {
      inv.io.stdout.write(statusText(await loadProfile(tshHome(inv.io.env, inv.io.homeDir)), Date.now()));
      return 0;
    } catch (err) {
      if (!isCode(err, 'not_found')) throw err;
      inv.io.stderr.write('Not logged in.\n');
      return 1;
    }
  },
};
