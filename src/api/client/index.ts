/** The auth API client and its transport. */
export { AuthClient, clusterServerName } from './auth-client.js';
export { MFAClient } from './mfa-client.js';
export type { AuthClientOptions, WhoAmI } from './auth-client.js';
export { pinOf, matchPins, checkPinSyntax } from './ca-pin.js';
export { splitHostPort } from './transport.js';
export type { ClientCredentials } from './transport.js';
export { WebClient } from './web-client.js';
export type { CreateSSHCertReq, SSHLoginResponse, SSOLoginConsoleReq, WebClientOptions, WebPing } from './web-client.js';
export { findProxy, isProxy, joinViaProxy } from './proxy-join.js';
export type { ProxyFind, ProxyJoinOptions } from './proxy-join.js';
