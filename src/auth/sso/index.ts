/** Single sign-on: GitHub, OIDC and SAML connectors, auth requests, temporary users (see sso-service.ts). */
export { SSOService, type SSOServiceOptions } from './sso-service.js';
export { SSO_ROUTES } from './routes.js';
export { SSO_REQUEST_TTL, UNKNOWN_REQUEST } from './requests.js';
export { mapGithubTeams, TEAMS_TO_LOGINS_ROLE } from './github.js';
export type { SSOProvider, ConnectorSummary } from './provider.js';
