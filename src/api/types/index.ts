/**
 * Resource types, schemas and the YAML/JSON codec, shared by servers, clients and the web UI.
 * Imports nothing of ours outside src/api.
 */
export * from './metadata.js';
export * from './go-regex.js';
export * from './trait-template.js';
export * from './where-syntax.js';
export * from './role-schema.js';
export * from './role-defaults.js';
export * from './role-checks.js';
export * from './role.js';
export * from './user.js';
export * from './token.js';
export * from './cert-authority.js';
export * from './cluster-config.js';
export * from './networking-config.js';
export * from './github.js';
export * from './oidc.js';
export * from './saml.js';
export * from './database.js';
export * from './app.js';
export * from './node.js';
export { nodeLabels } from './node-labels.js';
export * from './kinds.js';
export * from './codec.js';
export * from './input-limits.js';
export * from './yaml-stream.js';
export * from './proxy-server.js';
export * from './agent-server.js';
export * from './session-tracker.js';
