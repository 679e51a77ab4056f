/**
 * `tsh login --auth=<connector>`: which SSO connector a login uses, and the browser flow that gets
 * its certificates (src/client/sso-login.ts). `--auth` names a connector (or a kind: `github` is the
 * first GitHub connector); without it, a cluster whose `authentication.type` is github, oidc or saml
 * logs in with the connector ping names. `--auth=local` forces a password login.
 */
import { spawn } from 'node:child_process';
import type { SSHLoginResponse, WebClient, WebPing } from '../../api/client/index.js';
import { BadParameterError } from '../../api/errors.js';
import { ssoConsoleLogin } from '../../client/sso-login.js';
import type { Invocation } from '../framework/index.js';

/** An SSO connector to log in with. */
export interface SSOChoice {
  kind: string;
  name: string;
}

/** The connector of this login, or undefined for a local (password) login. Throws BadParameterError for an unknown `--auth`. */
export function ssoConnectorOf(auth: unknown, ping: WebPing): SSOChoice | undefined {
  const connectors = ping.auth.connectors ?? [];
  if (typeof auth === 'string' && auth !== '') {
    if (auth === 'local' || auth === 'passwordless') return undefined;
    const c = connectors.find((x) => x.name === auth) ?? connectors.find((x) => x.kind === auth);
    if (!c) {
      const known = connectors.map((x) => `${x.name} (${x.kind})`).join(', ') || 'none';
      throw new BadParameterError(`--auth=${auth}: the cluster has no such connector (connectors: ${known}; or --auth=local)`);
    }
    return { kind: c.kind, name: c.name };
  }
  const type = ping.auth.type;
  if (type === 'github' || type === 'oidc' || type === 'saml') {
    const name = ping.auth[type]?.name;
    if (name) return { kind: type, name };
  }
  return undefined;
}

/** The SSO browser flow for `tsh login`; the flags are `--bind-addr`, `--callback` and `--browser`. */
export function ssoLogin(inv: Invocation, web: WebClient, proxyAddr: string, c: SSOChoice, keys: { ssh_pub_key: string; tls_pub_key: string; ttl?: number }): Promise<SSHLoginResponse> {
  const f = inv.flags;
  const browser = typeof f.browser === 'string' ? f.browser : '';
  return ssoConsoleLogin({
    start: async (redirect_url) => (await web.ssoLoginConsole(c.kind, { redirect_url, connector_id: c.name, ...keys, ...(keys.ttl && { cert_ttl: keys.ttl }) })).redirect_url,
    ...(typeof f['bind-addr'] === 'string' && f['bind-addr'] && { bindAddr: f['bind-addr'] }),
    ...(typeof f.callback === 'string' && f.callback && { callbackAddr: f.callback }),
    print: (link) => inv.io.stderr.write(`If browser window does not open automatically, open it by clicking on the link:\n ${link}\n`),
    ...(browser !== 'none' && { open: openBrowser }),
    proxyURL: `https://${proxyAddr}`,
  });
}

/** Opens `url` with the desktop's opener; a missing one is not an error (the link is printed). */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // The link is on the screen.
  }
}
