/**
 * The proxy's web listener: `/webapi` (also under `/v1`), the web UI at `/web`, terminals over
 * websockets, install scripts; one file per group of routes, the server wiring them in server.ts.
 */
export { ProxyWebServer } from './server.js';
export type { ProxyWebServerOptions } from './server.js';
export type { WebSessionStore, WebUIAuth, WebUserAPI } from './ui-auth.js';
export { parseTerminalRequest } from './terminal.js';
