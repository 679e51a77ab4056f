/**
 * The Kubernetes API server stand-in (test code): start it, give kubectl or the product a kubeconfig.
 */
export { startKubeAPIServer } from './server.js';
export type { KubeAPIServer, KubeAPIServerOptions, PodSpec, SeenRequest } from './server.js';
export { DEFAULT_RULES } from './authz.js';
export type { Rule, UserInfo } from './authz.js';
export { kubeconfigYAML, writeKubeconfig } from './kubeconfig.js';
export type { KubeconfigCredentials } from './kubeconfig.js';
export type { CertKey } from './pki.js';
