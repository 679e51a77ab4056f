/**
 * `tsh apps config [app] [--format=uri|ca|cert|key|curl|json|yaml]`: how to reach an app logged
 * into (the only one when not named), as Teleport prints it: a two-column table by default, one
 * field alone, the curl command, or all of them as JSON/YAML.
 */
import { stringify } from 'yaml';
import { BadParameterError } from '../../api/errors.js';
import type { AppLogin } from '../../client/index.js';
import { makeHeadlessTable, type CommandSpec } from '../framework/index.js';
import { appLogins, appProfile, appURI, curlCommand, pickAppLogin } from './app-common.js';
import type { TshCtx } from './tsh-context.js';

/** The formats `--format` takes (empty and `default` are the table). */
export const APP_CONFIG_FORMATS = ['', 'default', 'curl', 'json', 'yaml', 'uri', 'ca', 'cert', 'key'] as const;

/** The text of `tsh apps config` in `format` for `login`, the proxy at `webProxyAddr`. */
export function formatAppConfig(login: AppLogin, webProxyAddr: string, format: string, insecure: boolean): string {
  const uri = appURI(login.route.publicAddr, webProxyAddr);
  const curl = curlCommand(login, uri, insecure);
  switch (format.toLowerCase()) {
    case 'uri':
      return uri;
    case 'ca':
      return login.caPath;
    case 'cert':
      return login.certPath;
    case 'key':
      return login.keyPath;
    case 'curl':
      return curl;
    case 'json':
    case 'yaml': {
      const info = { name: login.route.name, uri, ca: login.caPath, cert: login.certPath, key: login.keyPath, curl };
      return format.toLowerCase() === 'json' ? JSON.stringify(info, null, 2) + '\n' : stringify(info);
    }
    case '':
    case 'default':
      // The spaces after `Name:` keep the columns apart, as Teleport's table does.
      return makeHeadlessTable(2, [
        ['Name:     ', login.route.name],
        ['URI:', uri],
        ['CA:', login.caPath],
        ['Cert:', login.certPath],
        ['Key:', login.keyPath],
      ]);
    default:
      throw new BadParameterError(`invalid format, expected one of ${JSON.stringify(APP_CONFIG_FORMATS)}, got "${format}"`);
  }
}

/** The command spec. */
export const appConfigCommand: CommandSpec<TshCtx> = {
  name: 'apps config',
  aliases: ['app config'],
  help: 'Print app connection information.',
  args: [{ name: 'app', help: 'App to print information for. Required when logged into multiple apps.' }],
  flags: [{ name: 'format', short: 'f', type: 'string', default: '', help: 'Optional print format, one of: "uri" to print app address, "ca" to print CA cert path, "cert" to print cert path, "key" print key path, "curl" to print example curl command, "json" or "yaml" to print everything as JSON or YAML.' }],
  async run(inv, ctx) {
    const id = await appProfile(inv, ctx);
    const login = pickAppLogin(await appLogins(id), typeof inv.args.app === 'string' && inv.args.app !== '' ? inv.args.app : undefined);
    const text = formatAppConfig(login, id.webProxyAddr, String(inv.flags.format ?? ''), id.insecure === true || inv.flags.insecure === true);
    inv.io.stdout.write(text.endsWith('\n') ? text : text + '\n');
  },
};
