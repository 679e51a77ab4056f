/** The proxy service: the web listener (3080) and the SSH listener (3023). */
export { ProxyWebServer } from './web-server.js';
export type { ProxyWebServerOptions } from './web-server.js';
export { ProxySSHServer } from './ssh-server.js';
export type { ProxySSHAccess, ProxySSHServerOptions } from './ssh-server.js';
export type { ProxyIdentity } from './ssh-auth.js';
export { localWebUIAuth } from './web-ui-auth.js';
export type { WebSessionStore, WebUIAuth, WebUserAPI } from './web-ui-auth.js';
