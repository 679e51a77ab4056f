/**
 * Reverse tunnels (Teleport's port 3024): hosts without an inbound port dial out to every proxy
 * over SSH and keep the tunnels up; the proxy reaches their services back through them. The proxy
 * runs a TunnelServer; a host runs an AgentPool. Wire format: protocol.ts.
 */
export { TunnelServer, DEFAULT_HEARTBEAT_MS, DEAD_AFTER } from './tunnel-server.js';
export type { AgentIdentity, TunnelDialer, TunnelDialRequest, TunnelServerOptions } from './tunnel-server.js';
export { AgentPool } from './agent-pool.js';
export type { AgentPoolOptions } from './agent-pool.js';
export type { AgentCredentials, DialHandler, DialPeer } from './agent.js';
export { DialHandlers } from './dial-handlers.js';
export { Backoff, DEFAULT_BACKOFF, backoffCeiling } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { realTimers, every } from './timers.js';
export type { Timers } from './timers.js';
export { LOCAL_NODE, PROTOCOL_VERSION, REMOTE_AUTH_SERVER, TUNNEL_TYPES } from './protocol.js';
export type { DialRequest, TunnelType } from './protocol.js';
export { splice } from './splice.js';
