/**
 * The single sign-on flows over the auth API (`/v1/sso/...`), shared by the auth server, the proxy
 * and the web UI: which connectors a cluster offers, the auth request a login starts with, and the
 * callback that completes it. GitHub, OIDC and SAML share these shapes; the IdP protocol lives in
 * src/auth/sso/.
 */
import type { UserCertsResponse, WebSessionData } from './auth-wire.js';

/** The kinds of SSO connectors. */
export const SSO_KINDS = ['github', 'oidc', 'saml'] as const;

/** One SSO connector kind. */
export type SSOKind = (typeof SSO_KINDS)[number];

/** True for `github`, `oidc` and `saml`. */
export function isSSOKind(v: unknown): v is SSOKind {
  return typeof v === 'string' && (SSO_KINDS as readonly string[]).includes(v);
}

/** A connector as login pages and `/webapi/ping` show it (no secrets). */
export interface SSOConnectorInfo {
  kind: SSOKind;
  name: string;
  /** The button text (`spec.display`, else the name). */
  display: string;
}

/** `POST /v1/sso/:kind/requests`: the proxy starts a login for a browser (web) or for tsh (console). */
export interface SSOAuthRequestCreate {
  connector_id: string;
  /**
   * Console: tsh's callback (`http://127.0.0.1:<port>/<id>/callback`, without the secret key).
   * Web: the path under `/web` the browser lands on once logged in.
   */
  client_redirect_url: string;
  /** Console: the SPKI PEM public key the certificates are issued for. */
  public_key?: string;
  ttl_ms?: number;
  route_to_cluster?: string;
  cert_format?: string;
  /** Web: the login ends with a web session instead of certificates. */
  create_web_session?: boolean;
  /** Web: the browser's CSRF cookie, which must come back with the callback (the login cannot be finished in another browser). */
  csrf_token?: string;
}

/** The answer: where to send the browser (the IdP's login page) and the request's id (its `state`). */
export interface SSOAuthRequestCreated {
  redirect_url: string;
  request_id: string;
}

/** `POST /v1/sso/:kind/callback`: what the IdP sent the browser back with. */
export interface SSOCallbackRequest {
  /** The query (GitHub, OIDC: `code`, `state`) or the posted form (SAML: `SAMLResponse`, `RelayState`). */
  params: Record<string, string>;
  /** SAML: the connector named in the ACS path (`/webapi/saml/acs/<connector>`). */
  connector_id?: string;
  /** Web: the CSRF cookie the browser sent with the callback. */
  csrf_token?: string;
}

/**
 * The result. A callback whose request was found but whose login failed comes back with `error`
 * (audited, nothing created) so the proxy can still send the browser to tsh's callback with it;
 * an unknown, expired or replayed request is an AccessDeniedError instead.
 */
export interface SSOCallbackResponse {
  kind: SSOKind;
  connector_id: string;
  client_redirect_url: string;
  username?: string;
  /** Console flow. */
  certs?: UserCertsResponse;
  /** Web flow. */
  session?: WebSessionData;
  error?: string;
}
