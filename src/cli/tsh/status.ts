/** `tsh status`: the current profile, or "Not logged in." */
import { isCode } from '../../api/errors.js';
import { loadProfile, tshHome } from '../../client/index.js';
import type { CommandSpec } from '../framework/index.js';
import type { TshCtx } from './tsh-context.js';
import { selectedKubeCluster } from './kube-clusters.js';
import { statusText } from './status-text.js';

/** The command spec. */
export const statusCommand: CommandSpec<TshCtx> = {
  name: 'status',
  help: 'Display the list of proxy servers and retrieved certificates.',
  async run(inv) {
    try {
      const profile = await loadProfile(tshHome(inv.io.env, inv.io.homeDir));
      const kube = profile.profile.kube_proxy_addr ? await selectedKubeCluster(inv.io, profile.profile.cluster) : undefined;
      inv.io.stdout.write(statusText(profile, Date.now(), true, kube));
      return 0;
    } catch (err) {
      if (!isCode(err, 'not_found')) throw err;
      inv.io.stderr.write('Not logged in.\n');
      return 1;
    }
  },
};
