/** `tsh logout`: deletes the stored certificates and keys of every profile. */
import { removeAllProfiles, tshHome } from '../../client/index.js';
import type { CommandSpec } from '../framework/index.js';
import { kubeconfigOnLogout, profileClusters } from './kube-hooks.js';
import type { TshCtx } from './tsh-context.js';

/** The command spec. */
export const logoutCommand: CommandSpec<TshCtx> = {
  name: 'logout',
  help: 'Delete a cluster certificate.',
  async run(inv) {
    const home = tshHome(inv.io.env, inv.io.homeDir);
    const clusters = await profileClusters(home);
    await removeAllProfiles(home);
    try {
      await kubeconfigOnLogout(inv.io, clusters);
    } catch (err) {
      inv.io.stderr.write(`WARNING: the kubeconfig entries of ${clusters.join(', ')} were not removed: ${(err as Error).message}\n`);
    }
    inv.io.stdout.write('Logged out all users from all proxies.\n');
    return 0;
  },
};
