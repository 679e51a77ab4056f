/**
 * Single sign-on from the login page: the connectors `/webapi/ping` lists, the URL each button
 * opens (the proxy's `/webapi/<kind>/login/web`, SAML `/webapi/saml/sso`), and adopting the session
 * the proxy's callback left in the session cookie (its bearer token, which the UI keeps).
 */
import type { CreateWebSessionResponse } from '@api/web-wire';
import { api } from './http';
import { adoptSession } from './session';

/** A connector as ping lists it. */
export interface SSOConnector {
  kind: 'github' | 'oidc' | 'saml';
  name: string;
  display: string;
}

/** The cluster's SSO connectors (none when ping fails). */
export async function fetchConnectors(): Promise<SSOConnector[]> {
  const ping = await api<{ auth?: { connectors?: SSOConnector[] } }>('GET', '/v1/webapi/ping', undefined, { public: true, anonymous: true });
  return ping.auth?.connectors ?? [];
}

/** Where a connector's button goes; the login lands on `redirect` (a path under /web). */
export function ssoLoginURL(c: SSOConnector, redirect: string): string {
  const q = new URLSearchParams({ connector_id: c.name, redirect_url: redirect });
  return c.kind === 'saml' ? `/v1/webapi/saml/sso?${q}` : `/v1/webapi/${c.kind}/login/web?${q}`;
}

/** Takes over the session an SSO callback created (cookie only) by fetching its bearer token. */
export async function adoptSSOSession(): Promise<void> {
  adoptSession(await api<CreateWebSessionResponse>('POST', '/v1/webapi/sso/session', undefined, { csrf: true, public: true, anonymous: true }));
}
