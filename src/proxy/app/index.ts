/**
 * The proxy side of application access: app requests on the web port by host name or app
 * certificate (app-proxy.ts), the cookie exchange on an app's host (auth-exchange.ts), the relay to
 * the app's agent (relay.ts) and the JWKS (jwks.ts).
 */
export { AppProxy, hostOnly } from './app-proxy.js';
export type { AppProxyAccess, AppProxyOptions, AppWatch } from './app-proxy.js';
export { jwksDocument } from './jwks.js';
export { relayHeaders, stripAppCookies } from './relay.js';
