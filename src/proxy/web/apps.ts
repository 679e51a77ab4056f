/**
 * Applications in the web UI: an app_server heartbeat as the unified list shows it (Teleport's
 * ui.App), and the app launcher's calls (Teleport's lib/web/apps.go): `GET
 * /webapi/apps/:fqdn/:cluster/:publicAddr` resolves what the launch page was given to an app the
 * user may reach, `POST /webapi/sessions/app` creates an app session for it at auth (as the user,
 * so auth's app_labels decide) and returns the values the app's own host turns into cookies at
 * `/x-teleport-auth`. In this cluster an app's FQDN is its public address.
 */
import { BadParameterError, NotFoundError } from '../../api/errors.js';
import type { AgentServer } from '../../api/types/index.js';
import type { AppDetails, CreateAppSessionRequest, CreateAppSessionResponse, WebApp } from '../../api/web-resources-wire.js';
import type { WebUserAPI } from './ui-auth.js';

/** The app resource an app_server heartbeat carries (`spec.app`), as far as the UI reads it. */
interface HeartbeatApp {
  metadata?: { name?: string; description?: string; labels?: Record<string, string> };
  spec?: { uri?: string; public_addr?: string };
}

/** An app_server heartbeat as the UI lists its app; labels sorted by name. */
export function webApp(s: AgentServer, clusterName: string): WebApp {
  const app = (s.spec.app ?? {}) as HeartbeatApp;
  const labels = app.metadata?.labels ?? {};
  const publicAddr = app.spec?.public_addr ?? '';
  return {
    kind: 'app',
    name: app.metadata?.name ?? s.metadata.name,
    description: app.metadata?.description ?? '',
    uri: app.spec?.uri ?? '',
    publicAddr,
    fqdn: publicAddr,
    clusterId: clusterName,
    labels: Object.keys(labels)
      .sort()
      .map((name) => ({ name, value: String(labels[name]) })),
    awsConsole: false,
  };
}

/** The apps the user's roles reach (auth filters app_server heartbeats by app_labels), one per name. */
export async function listWebApps(api: Pick<WebUserAPI, 'listAppServers'>, clusterName: string): Promise<WebApp[]> {
  const apps = (await api.listAppServers()).map((s) => webApp(s, clusterName));
  return [...new Map(apps.map((a) => [a.name, a])).values()];
}

/** The host of an address, lower-cased, without a port (as Teleport compares FQDNs). */
function hostOnly(addr: string): string {
  return addr
    .trim()
    .toLowerCase()
    .replace(/:\d+$/, '');
}

/**
 * The app `params` name, as Teleport resolves ResolveAppParams: by name, else by public address
 * (with the cluster), else by FQDN. NotFoundError when the user reaches no such app.
 */
export async function resolveApp(api: Pick<WebUserAPI, 'listAppServers'>, clusterName: string, params: CreateAppSessionRequest): Promise<WebApp> {
  const cluster = params.cluster_name?.trim();
  if (cluster && cluster !== clusterName) throw new NotFoundError(`cluster "${cluster}" is not this cluster ("${clusterName}"): trusted clusters are not supported`);
  const apps = await listWebApps(api, clusterName);
  let found: WebApp | undefined;
  if (params.app_name) found = apps.find((a) => a.name === params.app_name);
  else if (params.public_addr) found = apps.find((a) => hostOnly(a.publicAddr) === hostOnly(params.public_addr!));
  else if (params.fqdn) found = apps.find((a) => hostOnly(a.fqdn) === hostOnly(params.fqdn!));
  else throw new BadParameterError('no inputs to resolve application: give fqdn, or public_addr and cluster_name');
  if (!found) throw new NotFoundError(`failed to match applications with ${params.app_name ? `name ${params.app_name}` : params.public_addr ? `public addr ${params.public_addr}` : `FQDN "${params.fqdn}"`}`);
  return found;
}

/** Reads the JSON body of `POST /webapi/sessions/app`. Throws BadParameterError. */
export function parseCreateAppSession(body: unknown): CreateAppSessionRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadParameterError('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const out: CreateAppSessionRequest = {};
  for (const k of ['fqdn', 'cluster_name', 'public_addr', 'app_name'] as const) {
    const v = b[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' || v.length > 253) throw new BadParameterError(`${k} must be a host name or address of at most 253 characters`);
    out[k] = v;
  }
  return out;
}

/** `GET /webapi/apps/:fqdn/:cluster/:publicAddr` (the last two may be empty path segments' absence). */
export async function getAppDetails(api: Pick<WebUserAPI, 'listAppServers'>, clusterName: string, params: Record<string, string>): Promise<AppDetails> {
  const app = await resolveApp(api, clusterName, { fqdn: params.fqdn, ...(params.cluster && { cluster_name: params.cluster }), ...(params.publicAddr && { public_addr: params.publicAddr }) });
  return { fqdn: app.fqdn, requiredAppFQDNs: [app.fqdn] };
}

/** `POST /webapi/sessions/app`: an app session for the web session's user. */
export async function createAppSession(api: Pick<WebUserAPI, 'listAppServers' | 'createAppSession' | 'caller'>, clusterName: string, body: unknown): Promise<CreateAppSessionResponse> {
  const app = await resolveApp(api, clusterName, parseCreateAppSession(body));
  const s = await api.createAppSession({ username: api.caller.username, app_name: app.name, public_addr: app.publicAddr, cluster_name: clusterName });
  return { cookie_value: s.session_id, subject_cookie_value: s.subject_token, fqdn: app.fqdn };
}
