/**
 * The proxy's SSH side (Teleport's 3023): user-certificate login, `proxy:host:port@cluster` and
 * `direct-tcpip` routed to nodes through the route core (target.ts, resolve-node.ts), and the
 * byte relay. The client's SSH session runs end to end with the node over it.
 */
export { ProxySSHServer } from './server.js';
export type { ProxySSHServerOptions } from './server.js';
export type { ProxySSHAccess } from './access.js';
export type { ProxyIdentity } from './auth.js';
export { AmbiguousHostError, parseLabelSelector, resolveNode } from './resolve-node.js';
