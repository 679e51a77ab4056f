/**
 * Role evaluation: label matching, trait templates, database access, the where-expression language, rule checks, the
 * RoleSet and preset roles. Imports only src/api.
 */
export * from './label-match.js';
export * from './traits.js';
export * from './where.js';
export * from './rules.js';
export * from './rule-context.js';
export * from './implicit-role.js';
export * from './role-set.js';
export * from './presets.js';
export * from './join-sessions.js';
export * from './db-access.js';
export * from './kube-access.js';
export * from './session-mfa.js';
