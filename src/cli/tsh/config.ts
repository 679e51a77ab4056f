/**
 * `tsh config [-p port]`: an OpenSSH client configuration for the current profile's cluster, so
 * that the stock `ssh login@node.<cluster>` goes through the proxy with the tsh certificate.
 */
import { BadParameterError } from '../../api/errors.js';
import { hostOf, renderSSHConfig } from '../../client/index.js';
import type { CommandSpec } from '../framework/index.js';
import { loadIdentity, type TshCtx } from './tsh-context.js';

/** The command spec. */
export const configCommand: CommandSpec<TshCtx> = {
  name: 'config',
  help: "Print an OpenSSH client configuration for the current profile's cluster.",
  flags: [{ name: 'port', short: 'p', type: 'int', help: 'The port of the nodes (default 3022)' }],
  async run(inv, ctx) {
    if (typeof inv.flags.identity === 'string' && inv.flags.identity !== '') {
      throw new BadParameterError('tsh config works with a login profile (tsh login), not an identity file: OpenSSH needs the key and certificate as separate files');
    }
    // An expired certificate still makes a valid configuration: the next `tsh login` renews the files.
    const id = await loadIdentity(inv, ctx, { allowExpired: true });
    const paths = id.paths!;
    const web = id.webProxyAddr;
    const login = typeof inv.flags.login === 'string' && inv.flags.login !== '' ? inv.flags.login : undefined;
    inv.io.stdout.write(
      renderSSHConfig({
        cluster: id.cluster,
        proxyHost: hostOf(web),
        proxyPort: web.slice(web.lastIndexOf(':') + 1),
        knownHostsPath: paths.knownHosts,
        identityFilePath: paths.key,
        certificateFilePath: paths.sshCert,
        tshPath: ctx.sys.executablePath ?? 'tsh',
        ...(typeof inv.flags.port === 'number' && { port: inv.flags.port }),
        ...(login && { login }),
      }),
    );
    return 0;
  },
};
