/** The composition root: a teleport process running the services its config enables. */
export { TeleportProcess } from './process.js';
export type { ProcessAddresses, ProcessOptions } from './process.js';
export type { ProcessContext, Service, ServiceFactory, ServiceName } from './service.js';
export { SERVICE_TABLE, plan } from './service-table.js';
export type { AgentLink } from './agent-link.js';
export { ensureHostId } from './host-id.js';
export { ensureHostIdentity, identityPath } from './join.js';
export { DiagServer } from './diag-server.js';
