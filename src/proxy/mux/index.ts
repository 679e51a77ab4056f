/**
 * The proxy's listener front: one port for TLS (routed by ALPN/SNI), PostgreSQL and HTTP, and the
 * separate per-protocol listeners; a registry of protocol handlers that services add to.
 */
export { DEFAULT_HANDSHAKE_TIMEOUT_MS, ProxyListener, chooseALPN } from './listener.js';
export type { KeyPairPem, ProxyListenerOptions } from './listener.js';
export { ProtocolRegistry } from './registry.js';
export type { ProtocolHandler, RoutedConnection } from './registry.js';
export { refusalFor, pgErrorResponse, mysqlError } from './refusals.js';
export { detect, DETECT_BYTES } from './detect.js';
export type { Detected } from './detect.js';
