/** The proxy service: the web listener (3080) and the SSH listener (3023). */
export { ProxyWebServer } from './web-server.js';
export type { ProxyWebServerOptions } from './web-server.js';
export { ProxySSHServer } from './ssh-server.js';
export type { ProxySSHAccess, ProxySSHServerOptions } from './ssh-server.js';
export type { ProxyIdentity } from './ssh-auth.js';
