/**
 * The tsh CLI as a function of argv, stdio and process hooks (main.ts wires the real process to
 * it): login, status, logout, ls, ssh, scp, config, proxy ssh, db, apps, proxy app and version.
 */
import { VERSION } from '../../api/version.js';
import { runApp, type AppSpec, type CliIO, type CommandSpec } from '../framework/index.js';
import { appConfigCommand } from './app-config.js';
import { appLoginCommand, appLogoutCommand } from './app-login.js';
import { appLsCommand } from './app-ls.js';
import { configCommand } from './config.js';
import { dbConfigCommand, dbConnectCommand, dbEnvCommand } from './db-connect.js';
import { dbLoginCommand, dbLogoutCommand } from './db-login.js';
import { dbLsCommand } from './db-ls.js';
import { joinCommand } from './join.js';
import { kubeCredentialsCommand } from './kube-credentials.js';
import { kubeLoginCommand } from './kube-login.js';
import { kubeLsCommand } from './kube-ls.js';
import { loginCommand } from './login.js';
import { logoutCommand } from './logout.js';
import { lsCommand } from './ls.js';
import { mfaAddCommand, mfaLsCommand, mfaRmCommand } from './mfa-cmds.js';
import { playCommand } from './play.js';
import { proxyAppCommand } from './proxy-app.js';
import { proxyDbCommand } from './proxy-db.js';
import { proxySSHCommand } from './proxy-ssh.js';
import { recordingsLsCommand } from './recordings-ls.js';
import { sessionsLsCommand } from './sessions-ls.js';
import { scpCommand } from './scp.js';
import { sshCommand } from './ssh.js';
import { statusCommand } from './status.js';
import type { TshCtx, TshSystem } from './tsh-context.js';

const versionCommand: CommandSpec<TshCtx> = {
  name: 'version',
  help: 'Print the tsh client and Proxy server versions for the current context.',
  async run(inv) {
    inv.io.stdout.write(`Teleport v${VERSION} node${process.versions.node}\n`);
    return 0;
  },
};

/** The app: global flags (as Teleport's tsh has them, with its environment variables) and commands. */
export const tshApp: AppSpec<TshCtx> = {
  name: 'tsh',
  help: 'Teleport Command Line Client.',
  version: VERSION,
  globalFlags: [
    { name: 'proxy', type: 'string', help: 'Teleport proxy address', env: 'TELEPORT_PROXY' },
    { name: 'user', type: 'string', help: 'Teleport user, defaults to current local user', env: 'TELEPORT_USER' },
    { name: 'login', short: 'l', type: 'string', help: 'The login on the node', env: 'TELEPORT_LOGIN' },
    { name: 'cluster', type: 'string', help: 'The cluster to use', env: 'TELEPORT_CLUSTER' },
    { name: 'identity', short: 'i', type: 'string', help: 'An identity file (tctl auth sign) to use instead of a login profile', env: 'TELEPORT_IDENTITY_FILE' },
    { name: 'insecure', type: 'bool', help: 'Do not verify server certificate and host name. Use only in test environments.' },
    { name: 'ttl', type: 'int', help: 'Minutes to live for a session', env: 'TELEPORT_TTL' },
    { name: 'debug', short: 'd', type: 'bool', help: 'Verbose logging to stdout' },
    { name: 'auth', type: 'string', help: 'Specify the name of authentication connector to use.', env: 'TELEPORT_AUTH' },
    { name: 'bind-addr', type: 'string', help: 'Override host:port used when opening a browser for cluster logins', env: 'TELEPORT_LOGIN_BIND_ADDR' },
  ],
  commands: [loginCommand, statusCommand, logoutCommand, lsCommand, sshCommand, joinCommand, scpCommand, configCommand, proxySSHCommand, playCommand, recordingsLsCommand, sessionsLsCommand, dbLsCommand, dbLoginCommand, dbLogoutCommand, dbEnvCommand, dbConfigCommand, dbConnectCommand, kubeLsCommand, kubeLoginCommand, kubeCredentialsCommand, appLsCommand, appLoginCommand, appLogoutCommand, appConfigCommand, proxyAppCommand, proxyDbCommand, mfaLsCommand, mfaAddCommand, mfaRmCommand, versionCommand],
  groups: [
    { name: 'mfa', help: 'Manage multi-factor authentication (MFA) devices.' },
    { name: 'proxy', help: 'Run local proxies towards the cluster.' },
    { name: 'apps', help: 'View and control proxied applications.' },
    { name: 'kube', help: 'Manage available Kubernetes clusters' },
    { name: 'recordings', help: 'View and control session recordings.' },
    { name: 'sessions', help: 'Operate on active sessions.' },
  ],
};

/** Runs `tsh <argv>`; resolves with the exit code. */
export function runTsh(argv: string[], io: CliIO, sys: TshSystem = {}): Promise<number> {
  return runApp(tshApp, argv, io, () => ({ sys }));
}
