/** The tctl application: global flags and every command, one file each. */
import type { AppSpec } from '../framework/index.js';
import { authExportCommand } from './auth-export.js';
import { authSignCommand } from './auth-sign.js';
import type { TctlCtx } from './context.js';
import { createCommand } from './create.js';
import { editCommand } from './edit.js';
import { getCommand } from './get.js';
import { nodesAddCommand } from './nodes-add.js';
import { nodesLsCommand } from './nodes-ls.js';
import { rmCommand } from './rm.js';
import { appsLsCommand, dbLsCommand, kubeLsCommand } from './servers-ls.js';
import { statusCommand } from './status.js';
import { tokensAddCommand } from './tokens-add.js';
import { tokensLsCommand, tokensRmCommand } from './tokens-ls.js';
import { usersAddCommand } from './users-add.js';
import { usersLsCommand, usersResetCommand, usersRmCommand, usersUpdateCommand } from './users-manage.js';
import { VERSION_LINE, versionCommand } from './version.js';

/** tctl as data. */
export const tctlApp: AppSpec<TctlCtx> = {
  name: 'tctl',
  help: 'Admin tool for the Teleport Access Platform',
  version: VERSION_LINE,
  globalFlags: [
    { name: 'debug', short: 'd', type: 'bool', help: 'Enable verbose logging to stderr' },
    { name: 'config', short: 'c', type: 'string', help: 'Path to a configuration file [/etc/teleport.yaml] for an Auth Service instance.', env: 'TELEPORT_CONFIG_FILE' },
    { name: 'auth-server', type: 'repeated', help: 'Attempts to connect to specific auth/proxy address(es) instead of local auth [127.0.0.1:3025]', env: 'TELEPORT_AUTH_SERVER' },
    { name: 'identity', short: 'i', type: 'string', help: 'Path to an identity file. Must be provided to make remote connections to auth. An identity file can be exported with \'tctl auth sign\'', env: 'TELEPORT_IDENTITY_FILE' },
    { name: 'insecure', type: 'bool', help: 'When specifying a proxy address in --auth-server, do not verify its TLS certificate. Danger: any data you send can be intercepted or modified by an attacker.' },
  ],
  groups: [
    { name: 'users', help: 'Manage user accounts.' },
    { name: 'nodes', help: 'Issue invites for other nodes to join the cluster, list them.' },
    { name: 'tokens', help: 'List or revoke invitation tokens' },
    { name: 'auth', help: 'Operations with user and host certificate authorities (CAs).' },
    { name: 'apps', help: 'Operate on applications registered with the cluster.' },
    { name: 'db', help: 'Operate on databases registered with the cluster.' },
    { name: 'kube', help: 'Operate on registered Kubernetes clusters.' },
  ],
  commands: [
    usersAddCommand,
    usersUpdateCommand,
    usersLsCommand,
    usersRmCommand,
    usersResetCommand,
    nodesAddCommand,
    nodesLsCommand,
    appsLsCommand,
    dbLsCommand,
    kubeLsCommand,
    tokensAddCommand,
    tokensRmCommand,
    tokensLsCommand,
    authExportCommand,
    authSignCommand,
    createCommand,
    getCommand,
    rmCommand,
    editCommand,
    statusCommand,
    versionCommand,
  ],
};
