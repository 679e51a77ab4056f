/**
 * What the two DynamoDB stores share (the cluster-state backend in src/backend/dynamodb and the
 * audit events store in src/events/dynamodb): the client settings and a table created on first
 * start, waited for and checked, and the SDK's errors as ours.
 */
export { clientConfig } from './client.js';
export { dynamoError } from './errors.js';
export type { ClientSettings } from './client.js';
export { ensureTable, isNamed } from './table.js';
export type { EnsureTableOptions, KeyPair, TableLayout, TableSettings } from './table.js';
