/**
 * `tsh apps login <app>`: an app session created by auth (RBAC by app_labels decides there), then
 * a certificate for the profile's key routed to that session (Teleport's RouteToApp: session ID,
 * public address, cluster, name), saved as `<user>-app/<cluster>/<app>.crt` with `<app>.key`;
 * prints Teleport's message with the curl command (TCP apps: the `tsh proxy app` hint).
 * `tsh apps logout [app]` ends the session(s) at auth and removes the files.
 */
import { createPublicKey } from 'node:crypto';
import { isCode } from '../../api/errors.js';
import { removeAppLogin, saveAppLogin, type AppLogin } from '../../client/index.js';
import type { CommandSpec, Invocation } from '../framework/index.js';
import { appLoginText, appLogins, appProfile, appURI, curlCommand, findApp, isTCPApp, listApps, pickAppLogin, tcpAppLoginText, type ProfileIdentity } from './app-common.js';
import { connectProxy, type TshCtx } from './tsh-context.js';

/** What a login gives: the saved login and whether the app is a TCP app. */
export interface AppLoginResult {
  login: AppLogin;
  tcp: boolean;
}

/** Logs the profile into app `name`: an app session at auth, a certificate routed to it, the files saved. */
export async function loginToApp(inv: Invocation, ctx: TshCtx, id: ProfileIdentity, name: string): Promise<AppLoginResult> {
  const { identityFromCertificate } = await import('../../tlsca/index.js');
  const proxy = await connectProxy(inv, ctx);
  let tls: string;
  let tcp: boolean;
  try {
    const client = proxy.authClient();
    const app = findApp(await listApps(client), name);
    tcp = isTCPApp(app);
    const session = await client.createAppSession({ username: id.username, public_addr: app.spec.public_addr, cluster_name: id.cluster, app_name: name });
    // The certificate lives as long as the login it comes from; auth caps it at the session's end.
    const ttl = Math.max(60_000, identityFromCertificate(id.tlsCertPem).expires.getTime() - (ctx.sys.now ?? Date.now)());
    const certs = await client.generateUserCerts({
      username: id.username,
      public_key: createPublicKey(id.privateKey).export({ type: 'spki', format: 'pem' }).toString(),
      ttl_ms: ttl,
      route_to_app: { name, session_id: session.session_id, public_addr: session.public_addr, cluster_name: session.cluster_name },
    });
    tls = certs.tls;
  } finally {
    proxy.close();
  }
  return { login: await saveAppLogin({ paths: id.paths, user: id.username, cluster: id.cluster, certPem: tls, key: id.privateKey }), tcp };
}

/** The login command. */
export const appLoginCommand: CommandSpec<TshCtx> = {
  name: 'apps login',
  aliases: ['app login'],
  help: 'Retrieve short-lived certificate for an app.',
  args: [{ name: 'app', help: 'App name to retrieve credentials for. Can be obtained from `tsh apps ls` output.', required: true }],
  async run(inv, ctx) {
    const name = String(inv.args.app);
    const id = await appProfile(inv, ctx);
    const { login, tcp } = await loginToApp(inv, ctx, id, name);
    if (tcp) return void inv.io.stdout.write(tcpAppLoginText(name));
    const insecure = id.insecure === true || inv.flags.insecure === true;
    inv.io.stdout.write(appLoginText(name, curlCommand(login, appURI(login.route.publicAddr, id.webProxyAddr), insecure), insecure));
  },
};

/** The logout command. */
export const appLogoutCommand: CommandSpec<TshCtx> = {
  name: 'apps logout',
  aliases: ['app logout'],
  help: 'Remove app certificate.',
  args: [{ name: 'app', help: 'App to remove credentials for (all when omitted).' }],
  async run(inv, ctx) {
    const id = await appProfile(inv, ctx);
    const logins = await appLogins(id);
    const name = typeof inv.args.app === 'string' && inv.args.app !== '' ? inv.args.app : undefined;
    const chosen = name ? [pickAppLogin(logins, name)] : logins;
    if (chosen.length > 0) {
      // Ending the sessions needs a live login; with an expired one the files still go.
      const proxy = await connectProxy(inv, ctx).catch(() => undefined);
      try {
        for (const l of chosen) {
          await proxy?.authClient().deleteAppSession(l.route.sessionId).catch((err: unknown) => {
            if (!isCode(err, 'not_found')) throw err;
          });
          await removeAppLogin(l);
        }
      } finally {
        proxy?.close();
      }
    }
    if (chosen.length === 1) inv.io.stdout.write(`Logged out of app "${chosen[0].route.name}"\n`);
    else inv.io.stdout.write('Logged out of all apps\n');
  },
};
