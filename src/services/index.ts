/** Domain stores on a Backend: the only code that knows the cluster-state key layout. */
export { ResourceStore } from './resource-store.js';
export type { StoredResource, ResourceStoreOptions } from './resource-store.js';
export { SecretStore } from './secret-store.js';
export { AGENT_SERVER_PREFIXES, AgentServerStore } from './agent-server-store.js';
export { createServices } from './stores.js';
export type { Services } from './stores.js';
export { decodeItem, prefixesOfKind, refOfKey } from './resource-keys.js';
export type { KeyRef } from './resource-keys.js';
