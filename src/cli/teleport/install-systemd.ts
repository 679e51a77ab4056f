/**
 * `teleport install systemd`: prints (or writes with --output) the systemd unit Teleport ships,
 * so a host installed from a release runs the daemon under systemd with reload on SIGHUP.
 */
import { isAbsolute, join } from 'node:path';
import { BadParameterError } from '../../api/errors.js';
import type { CommandSpec } from '../framework/index.js';
import type { TeleportCtx } from './context.js';
import { writeOutput } from './output.js';

/** What shapes the unit. */
export interface SystemdUnitOptions {
  /** Optional environment file systemd reads before starting (a leading `-` in the unit). */
  envFile: string;
  pidFile: string;
  /** LimitNOFILE. */
  fdLimit: number;
  /** Directory holding the `teleport` program. */
  installPath: string;
  /** The config file ExecStart passes with --config. */
  configPath: string;
}

/** Teleport's defaults for the unit. */
export const SYSTEMD_DEFAULTS: SystemdUnitOptions = {
  envFile: '/etc/default/teleport',
  pidFile: '/run/teleport.pid',
  fdLimit: 524288,
  installPath: '/usr/local/bin',
  configPath: '/etc/teleport.yaml',
};

/** The unit text. Throws BadParameterError for a relative path or a value systemd would misread. */
export function systemdUnit(o: SystemdUnitOptions): string {
  for (const [flag, path] of [
    ['--env-file', o.envFile],
    ['--pid-file', o.pidFile],
    ['--install-path', o.installPath],
    ['--config', o.configPath],
  ] as const) {
    if (!isAbsolute(path)) throw new BadParameterError(`${flag}: ${JSON.stringify(path)} must be an absolute path (systemd runs from /)`);
    if (/[\s"'\\$%;]/.test(path)) throw new BadParameterError(`${flag}: ${JSON.stringify(path)} has a character a systemd unit would misread; choose a plain path`);
  }
  if (!Number.isInteger(o.fdLimit) || o.fdLimit < 1024) throw new BadParameterError(`--fd-limit: ${o.fdLimit} must be a whole number of at least 1024`);
  return [
    '[Unit]',
    'Description=Teleport Service',
    'After=network.target',
    '',
    '[Service]',
    'Type=simple',
    'Restart=on-failure',
    `EnvironmentFile=-${o.envFile}`,
    `ExecStart=${join(o.installPath, 'teleport')} start --config ${o.configPath} --pid-file=${o.pidFile}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    `PIDFile=${o.pidFile}`,
    `LimitNOFILE=${o.fdLimit}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** The command spec. */
export const installSystemdCommand: CommandSpec<TeleportCtx> = {
  name: 'install systemd',
  help: 'Creates a systemd unit file configuration.',
  flags: [
    { name: 'env-file', type: 'string', default: SYSTEMD_DEFAULTS.envFile, help: 'Full path to the environment file.' },
    { name: 'pid-file', type: 'string', default: SYSTEMD_DEFAULTS.pidFile, help: 'Full path to the PID file.' },
    { name: 'fd-limit', type: 'string', default: String(SYSTEMD_DEFAULTS.fdLimit), help: 'Maximum number of open file descriptors.' },
    { name: 'install-path', type: 'string', default: SYSTEMD_DEFAULTS.installPath, help: 'Full path to the directory holding the teleport program.' },
    { name: 'config', short: 'c', type: 'string', default: SYSTEMD_DEFAULTS.configPath, help: 'Full path to the config file ExecStart passes.' },
    { name: 'output', short: 'o', type: 'string', default: 'stdout', help: 'Write to stdout with "--output=stdout" or to a file with "--output=file:///etc/systemd/system/teleport.service".' },
  ],
  async run(inv) {
    const f = inv.flags;
    const fdText = String(f['fd-limit']);
    if (!/^\d+$/.test(fdText)) throw new BadParameterError(`--fd-limit: ${JSON.stringify(fdText)} is not a number`);
    const text = systemdUnit({
      envFile: String(f['env-file']),
      pidFile: String(f['pid-file']),
      fdLimit: Number(fdText),
      installPath: String(f['install-path']),
      configPath: String(f.config),
    });
    const path = await writeOutput(inv, text, 0o644);
    if (path) inv.io.stdout.write(`Wrote systemd unit file to: ${path}\n`);
    return 0;
  },
};
