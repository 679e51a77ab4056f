/**
 * The app launcher's calls (Teleport's services/apps): where an app resolves to, and a new app
 * session for it whose cookie values the app's own host then sets at `/x-teleport-auth`.
 */
import type { AppDetails, CreateAppSessionRequest, CreateAppSessionResponse } from '@api/web-resources-wire';
import { api } from './http';

/** `GET /v1/webapi/apps/:fqdn/:cluster/:publicAddr`. */
export function fetchAppDetails(p: { fqdn: string; clusterId?: string; publicAddr?: string }): Promise<AppDetails> {
  const parts = [p.fqdn, p.clusterId, p.publicAddr].filter((x): x is string => Boolean(x)).map(encodeURIComponent);
  return api<AppDetails>('GET', `/v1/webapi/apps/${parts.join('/')}`);
}

/** `POST /v1/webapi/sessions/app`. */
export function createAppSession(req: CreateAppSessionRequest): Promise<CreateAppSessionResponse> {
  return api<CreateAppSessionResponse>('POST', '/v1/webapi/sessions/app', req);
}
