/**
 * The Kubernetes service (agent side): the agent that serves the proxy's streams to its clusters
 * (agent.ts) with impersonation (impersonation.ts), forwarding (forward.ts) and audit (audit.ts);
 * the credentials it reads (credentials.ts); the proxy's hello (wire.ts) and Kubernetes Status
 * refusals (status.ts), which the proxy's Kubernetes front shares.
 */
export { KubeAgent } from './agent.js';
export { KubeListener, checkProxyPeer } from './listener.js';
export type { KubeListenerOptions, KubeListenerTLS } from './listener.js';
export type { KubeAccessPoint, KubeAgentOptions, ServedKubeCluster } from './agent.js';
export { clustersFromKubeconfig, inClusterCredentials, SERVICE_ACCOUNT_DIR } from './credentials.js';
export type { KubeClusterSource, KubeCredentials, ReadText } from './credentials.js';
export { impersonationFor, checkHeaderValues, SYSTEM_AUTHENTICATED } from './impersonation.js';
export type { Impersonation } from './impersonation.js';
export { requestInfo, isExecOrAttach } from './request-info.js';
export type { RequestInfo } from './request-info.js';
export { isDiscovery, rawStatusResponse, statusOf, writeStatus } from './status.js';
export type { KubeStatus } from './status.js';
export { encodeKubeHello, checkKubeHello, readKubeHello, KUBE_HELLO_VERSION } from './wire.js';
export type { KubeHello } from './wire.js';
