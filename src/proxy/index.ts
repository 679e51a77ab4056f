/** The proxy service: the web listener (3080), the SSH listener (3023) and the route core they share. */
export { ProxyWebServer } from './web-server.js';
export type { ProxyWebServerOptions } from './web-server.js';
export { ProxySSHServer } from './ssh-server.js';
export type { ProxySSHServerOptions } from './ssh-server.js';
export type { ProxySSHAccess } from './ssh-access.js';
export type { ProxyIdentity } from './ssh-auth.js';
export type { WebSessionStore, WebUIAuth, WebUserAPI } from './web-ui-auth.js';
export { LocalAgents, Router } from './route/index.js';
export type { LocalDialRequest, LocalDialer, RouteKind, RouteReads, RouteTarget } from './route/index.js';
