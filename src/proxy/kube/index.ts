/**
 * The proxy's Kubernetes front (front.ts): kubectl's TLS connection verified, routed to the
 * agent serving its cluster and relayed.
 */
export { kubeFront } from './front.js';
export type { KubeFrontOptions } from './front.js';
export type { ProxyHostTLS } from './agent-tls.js';
