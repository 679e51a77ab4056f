/** The teleport CLI as a function of argv, stdio and signals (main.ts wires the real process to it). */
import { VERSION } from '../../api/version.js';
import { runApp, type AppSpec, type CliIO } from '../framework/index.js';
import { configureCommand } from './configure.js';
import { installSystemdCommand } from './install-systemd.js';
import { nodeConfigureCommand } from './node-configure.js';
import type { SignalSource, TeleportCtx } from './context.js';
import { startCommand } from './start.js';
import { versionCommand } from './version.js';

/** The app: global flags and commands. */
export const teleportApp: AppSpec<TeleportCtx> = {
  name: 'teleport',
  help: 'Teleport Access Platform: the daemon running the auth, proxy and node services.',
  version: VERSION,
  globalFlags: [{ name: 'debug', short: 'd', type: 'bool', help: 'Enable verbose logging to stderr' }],
  commands: [startCommand, configureCommand, nodeConfigureCommand, installSystemdCommand, versionCommand],
};

/** Runs `teleport <argv>`; resolves with the exit code. `extra` adds to the context (tests' hooks). */
export function runTeleport(argv: string[], io: CliIO, signals: SignalSource, extra: Omit<TeleportCtx, 'signals'> = {}): Promise<number> {
  return runApp(teleportApp, argv, io, () => ({ signals, ...extra }));
}
