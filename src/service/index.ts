/** The composition root: a teleport process running the services its config enables. */
export { TeleportProcess } from './process.js';
export type { ProcessAddresses, ProcessOptions } from './process.js';
export { ensureHostId } from './host-id.js';
export { ensureHostIdentity, identityPath } from './join.js';
export { DiagServer } from './diag-server.js';
