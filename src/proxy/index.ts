/** The proxy service: the web listener (3080), the SSH listener (3023) and the route core they share. */
export { ProxyWebServer } from './web/index.js';
export type { ProxyWebServerOptions } from './web/index.js';
export { ProxySSHServer } from './ssh/index.js';
export type { ProxyIdentity, ProxySSHAccess, ProxySSHServerOptions } from './ssh/index.js';
export type { WebSessionStore, WebUIAuth, WebUserAPI } from './web/index.js';
export { LocalAgents, Router } from './route/index.js';
export type { LocalDialRequest, LocalDialer, RouteKind, RouteReads, RouteTarget } from './route/index.js';
