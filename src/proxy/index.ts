/** The proxy service: the web listener (more listeners arrive with SSH access). */
export { ProxyWebServer } from './web-server.js';
export type { ProxyWebServerOptions } from './web-server.js';
