/**
 * The SSO routes of the auth API: the connector list (public: login pages show it), and the two
 * calls a proxy makes for a browser, starting a login and completing it from the IdP's callback.
 * Those need `<kind>_request` rules (Teleport's github_request, oidc_request, saml_request), which
 * the Proxy role has; completing a web login also needs `web_session` create.
 */
import type { SSOAuthRequestCreate, SSOCallbackRequest } from '../../api/sso-wire.js';
import { authorize } from '../caller.js';
import type { Route } from '../route.js';

/** The `/v1/sso/...` routes (registered in routes.ts). */
export const SSO_ROUTES: Route[] = [
  { method: 'GET', path: '/v1/sso/connectors', public: true, run: async ({ auth }) => ({ items: await auth.sso.connectors() }) },
  {
    method: 'POST',
    path: '/v1/sso/:kind/requests',
    body: true,
    run: ({ auth, caller, params, body }) => {
      authorize(caller, `${params.kind}_request`, 'create');
      return auth.sso.createRequest(params.kind, body as SSOAuthRequestCreate);
    },
  },
  {
    method: 'POST',
    path: '/v1/sso/:kind/callback',
    body: true,
    run: ({ auth, caller, params, body, remoteAddr }) => {
      authorize(caller, `${params.kind}_request`, 'update');
      authorize(caller, 'web_session', 'create');
      return auth.sso.complete(params.kind, body as SSOCallbackRequest, remoteAddr ? { remoteAddr } : {});
    },
  },
];
