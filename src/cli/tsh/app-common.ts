/**
 * What the `tsh app` commands and `tsh proxy app` share: the app resource an app_server heartbeat
 * carries, the apps the user may see (auth filters them by the roles' app_labels), the profile's
 * app logins and the one a command means, and Teleport's texts (the app's URI on the proxy, the
 * curl command, the messages after a login).
 */
import { splitHostPort } from '../../api/client/index.js';
import { BadParameterError, NotFoundError } from '../../api/errors.js';
import type { AgentServer } from '../../api/types/index.js';
import type { AuthClient } from '../../api/client/index.js';
import { listAppLogins, type AppLogin, type ClientIdentity } from '../../client/index.js';
import type { Invocation } from '../framework/index.js';
import { loadIdentity, type TshCtx } from './tsh-context.js';

/** The app resource (`kind: app`, v3) an app_server heartbeat carries in `spec.app`. */
export interface AppResource {
  kind: 'app';
  version: string;
  metadata: { name: string; description?: string; labels?: Record<string, string> };
  spec: { uri: string; public_addr: string; insecure_skip_verify?: boolean; [k: string]: unknown };
}

/** An identity with profile files (identity files have no place for app logins). */
export type ProfileIdentity = ClientIdentity & { paths: NonNullable<ClientIdentity['paths']> };

/** The profile's identity, refusing identity files with the fix. */
export async function appProfile(inv: Invocation, ctx: TshCtx): Promise<ProfileIdentity> {
  const id = await loadIdentity(inv, ctx, { allowExpired: true });
  if (!id.paths) throw new BadParameterError('app logins are kept in a tsh profile: run "tsh login --proxy=<proxy>" instead of -i');
  return id as ProfileIdentity;
}

/** The profile's app logins. */
export function appLogins(id: ProfileIdentity): Promise<AppLogin[]> {
  return listAppLogins(id.paths, id.username, id.cluster);
}

/** True for a TCP app (`uri: tcp://host:port`). */
export function isTCPApp(app: Pick<AppResource, 'spec'>): boolean {
  return /^tcp:\/\//i.test(app.spec.uri);
}

/** The apps in the heartbeats, one per name (several agents may serve one app), by name. */
export function appsOfServers(servers: AgentServer[]): AppResource[] {
  const byName = new Map<string, AppResource>();
  for (const s of servers) {
    const app = s.spec.app as AppResource | undefined;
    if (app?.metadata?.name && typeof app.spec?.uri === 'string' && !byName.has(app.metadata.name)) byName.set(app.metadata.name, app);
  }
  return [...byName.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** The apps the user may see (auth filters app_server heartbeats by the roles' app_labels). */
export async function listApps(client: AuthClient): Promise<AppResource[]> {
  return appsOfServers(await client.listAgentServers<AgentServer>('app_server'));
}

/** The app named `name`; Teleport's NotFound otherwise. */
export function findApp(apps: AppResource[], name: string): AppResource {
  const app = apps.find((a) => a.metadata.name === name);
  if (!app) throw new NotFoundError(`app "${name}" not found, use "tsh apps ls" to see registered apps`);
  return app;
}

/**
 * The login `name` names, or the only one: Teleport's `please login using 'tsh apps login'
 * first`, `not logged into app "x"`, `multiple apps are available (...)`.
 */
export function pickAppLogin(logins: AppLogin[], name: string | undefined): AppLogin {
  if (logins.length === 0) throw new NotFoundError("please login using 'tsh apps login' first");
  if (!name) {
    if (logins.length > 1) {
      throw new BadParameterError(`multiple apps are available (${logins.map((l) => l.route.name).join(', ')}), please specify one via CLI argument`);
    }
    return logins[0];
  }
  const found = logins.find((l) => l.route.name === name);
  if (!found) throw new NotFoundError(`not logged into app "${name}": run "tsh apps login ${name}" first`);
  return found;
}

/** `https://<public addr>[:<web port>]` (no port when the proxy is on 443), as tsh prints it. */
export function appURI(publicAddr: string, webProxyAddr: string): string {
  const { port } = splitHostPort(webProxyAddr);
  return port === 443 ? `https://${publicAddr}` : `https://${publicAddr}:${port}`;
}

/** Teleport's curl example for an app login. */
export function curlCommand(login: Pick<AppLogin, 'certPath' | 'keyPath'>, uri: string, insecure: boolean): string {
  return `curl ${insecure ? '--insecure ' : ''}\\\n  --cert ${login.certPath} \\\n  --key ${login.keyPath} \\\n  ${uri}`;
}

/** Teleport's message after `tsh apps login` of an HTTP app. */
export function appLoginText(name: string, curl: string, insecure: boolean): string {
  const warning = insecure ? '\n\nWARNING: tsh was called with --insecure, so this curl command will be unable to validate the certificate presented by Teleport.' : '';
  return `Logged into app ${name}. Example curl command:\n\n${curl}${warning}\n`;
}

/** Teleport's message after `tsh apps login` of a TCP app. */
export function tcpAppLoginText(name: string): string {
  return `Logged into TCP app ${name}. Start the local TCP proxy for it:\n\n  tsh proxy app ${name}\n\nThen connect to the application through this proxy.\n`;
}
