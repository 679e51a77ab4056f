/**
 * The proxy's protocol-neutral route core: what a target of any kind is (target.ts), how it is
 * resolved from heartbeats and dialed (router.ts), and the agents of this process reached in
 * memory (local-agents.ts). Every protocol's proxy side routes through it.
 */
export { Router, targetDialAddr } from './router.js';
export type { RouteDialOptions, RouteReads, RouterOptions } from './router.js';
export { LocalAgents } from './local-agents.js';
export type { LocalDialRequest, LocalDialer, LocalRequestHandler } from './local-agents.js';
export { ROUTE_KINDS, SERVER_KIND, agentServerTarget, describeTarget, nodeTarget } from './target.js';
export type { RouteKind, RouteTarget, ServerOf } from './target.js';
export { DIAL_TIMEOUT_MS, dialTCP } from './tcp-dial.js';
