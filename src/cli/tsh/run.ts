/**
 * The tsh CLI as a function of argv and stdio (main.ts wires the real process to it): login,
 * status, logout and version today; ls, ssh and scp arrive with the node service.
 */
import { VERSION } from '../../api/version.js';
import { runApp, type AppSpec, type CliIO, type CommandSpec } from '../framework/index.js';
import { loginCommand } from './login.js';
import { logoutCommand } from './logout.js';
import { statusCommand } from './status.js';

const versionCommand: CommandSpec<object> = {
  name: 'version',
  help: 'Print the tsh client and Proxy server versions for the current context.',
  async run(inv) {
    inv.io.stdout.write(`Teleport v${VERSION} node${process.versions.node}\n`);
    return 0;
  },
};

/** The app: global flags (as Teleport's tsh has them) and commands. */
export const tshApp: AppSpec<object> = {
  name: 'tsh',
  help: 'Teleport Command Line Client.',
  version: VERSION,
  globalFlags: [
    { name: 'proxy', type: 'string', help: 'Teleport proxy address', env: 'TELEPORT_PROXY' },
    { name: 'user', type: 'string', help: 'Teleport user, defaults to current local user', env: 'TELEPORT_USER' },
    { name: 'ttl', type: 'int', help: 'Minutes to live for a session', env: 'TELEPORT_TTL' },
    { name: 'debug', short: 'd', type: 'bool', help: 'Verbose logging to stdout' },
  ],
  commands: [loginCommand, statusCommand, logoutCommand, versionCommand],
};

/** Runs `tsh <argv>`; resolves with the exit code. */
export function runTsh(argv: string[], io: CliIO): Promise<number> {
  return runApp(tshApp, argv, io, () => ({}));
}
