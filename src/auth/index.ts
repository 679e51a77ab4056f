/** The auth service: cluster state, certificate authorities, the mutual-TLS API. */
export { AuthServer, ADMIN_IDENTITY_FILE, AUTH_ADDR_FILE } from './auth-server.js';
export type { AuthServerOptions } from './auth-server.js';
export { AuthService } from './auth-service.js';
export type { StaticToken } from './tokens.js';
export type { JoinMethodOptions } from './join/index.js';
export { CA_TYPES, caSSHPublicBlobs, caTLSCerts } from './authorities.js';
export { BEARER_TOKEN_TTL, WebSessions, checkBearerToken } from './web-sessions.js';
export type { WebSession } from './web-sessions.js';
export type { Caller } from './caller.js';
export { authorizeOwnMFA, userCaller } from './caller.js';
export { searchEvents } from './audit-api.js';
export { DEFAULT_PROXY_TTL_MS, ProxyPresence } from './proxy-presence.js';
