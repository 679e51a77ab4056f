/**
 * A small tctl/tsh-shaped AppSpec for the framework's own tests: multi-word commands, aliases,
 * every flag type, env defaults and an ssh-style command with raw trailing arguments.
 */
import { NotFoundError } from '../../../api/errors.js';
import type { AppSpec, CommandSpec, Invocation } from '../args.js';
import { ExitCodeError } from '../report-error.js';

/** What makeCtx built for the last run, with every invocation seen. */
export interface SampleCtx {
  globals: Record<string, unknown>;
  calls: Invocation[];
}

const record: CommandSpec<SampleCtx>['run'] = async (inv, ctx) => {
  ctx.calls.push(inv);
};

/** The sample app; its commands record their Invocation into the context. */
export const sampleApp: AppSpec<SampleCtx> = {
  name: 'tctl',
  help: 'Admin tool for the Teleport Access Platform',
  version: 'Teleport v15.0.0',
  globalFlags: [
    { name: 'debug', short: 'd', type: 'bool', help: 'Enable verbose logging to stderr' },
    { name: 'auth-server', type: 'repeated', help: 'Auth or proxy address to connect to', env: 'TELEPORT_AUTH_SERVER' },
    { name: 'config', short: 'c', type: 'string', help: 'Path to a configuration file' },
    { name: 'insecure', type: 'bool', help: 'Do not verify the server certificate' },
    { name: 'secret-knob', type: 'string', help: 'Not shown', hidden: true },
  ],
  groups: [
    { name: 'users', help: 'Manage user accounts' },
    { name: 'tokens', help: 'List or add tokens' },
  ],
  commands: [
    {
      name: 'users add',
      help: 'Generate a user invitation token',
      flags: [
        { name: 'roles', type: 'list', help: 'List of roles for the new user', required: true },
        { name: 'logins', type: 'list', help: 'List of allowed SSH logins' },
        { name: 'ttl', type: 'duration', help: 'Invitation link lifetime', default: '1h' },
      ],
      args: [{ name: 'account', help: 'The Teleport user account name', required: true }],
      run: record,
    },
    {
      name: 'users ls',
      aliases: ['list'],
      help: 'Lists all user accounts',
      flags: [{ name: 'format', type: 'string', help: 'Output format', enum: ['text', 'json', 'yaml'], default: 'text' }],
      run: record,
    },
    {
      name: 'tokens add',
      help: 'Create an invitation token',
      flags: [
        { name: 'type', type: 'list', help: 'Type(s) of token', required: true, enum: ['node', 'app', 'db', 'kube'] },
        { name: 'ttl', type: 'duration', help: 'Token lifetime', default: 30 * 60_000 },
        { name: 'value', type: 'string', help: 'Custom token value' },
        { name: 'ca-pin', type: 'repeated', help: 'CA pin' },
        { name: 'count', type: 'int', help: 'How many' },
      ],
      run: record,
    },
    { name: 'tokens ls', help: 'List tokens', run: record },
    {
      name: 'ssh',
      help: 'Run shell or execute a command on a remote SSH node',
      flags: [
        { name: 'port', short: 'p', type: 'int', help: 'SSH port on a remote host' },
        { name: 'forward-agent', short: 'A', type: 'bool', help: 'Forward agent to target node' },
        { name: 'login', short: 'l', type: 'string', help: 'Remote host login' },
        { name: 'option', short: 'o', type: 'repeated', help: 'OpenSSH options' },
      ],
      args: [
        { name: 'host', help: 'Remote hostname and the login to use', required: true },
        { name: 'command', help: 'Command to execute on a remote host', variadic: true },
      ],
      stopFlagsAfterArgs: 1,
      run: record,
    },
    {
      name: 'get',
      help: 'Print a YAML declaration of various Teleport resources',
      flags: [{ name: 'proxy', type: 'string', help: 'Proxy address', env: 'TELEPORT_PROXY' }],
      args: [{ name: 'resource', help: 'Resource spec', required: true }],
      run: record,
    },
    {
      name: 'fail',
      hidden: true,
      help: 'Fails as told',
      args: [{ name: 'how', help: 'notfound|bug|exit|code', required: true }],
      run: async (inv) => {
        switch (inv.args.how) {
          case 'notfound':
            throw new NotFoundError('user "bob" not found');
          case 'exit':
            throw new ExitCodeError(42);
          case 'code':
            return 3;
          default:
            throw new Error('boom');
        }
      },
    },
  ],
};
