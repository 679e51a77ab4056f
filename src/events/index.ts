/**
 * The audit log: the event registry and typed constructor, emitters (the auth server's AuditLog
 * over its sinks, the RemoteEmitter of other processes), sinks for `audit_events_uri` (file://,
 * stdout://, the cluster database, and the PostgreSQL and DynamoDB stores several auth servers
 * share, loaded only when a URI names them) and search.
 */
export type { AuditEmitter, EventSink, EventStore } from './audit-log.js';
export { isEventStore } from './audit-log.js';
export { EVENT_REGISTRY, eventTitle, isEventType, isRegisteredPair } from './registry.js';
export type { CodeOf, EventType, RegistryEntry } from './registry.js';
export { DEFAULT_NAMESPACE, MAX_EVENT_BYTES, MAX_EVENT_STRING, auditEvent, boundEventValue, checkIncomingEvent, completeEvent, maskSecret } from './event.js';
export type { EventFields } from './event.js';
export { AuditLog } from './multi-log.js';
export type { AuditLogOptions } from './multi-log.js';
export { RemoteEmitter } from './remote-emitter.js';
export type { EventSender, RemoteEmitterOptions } from './remote-emitter.js';
export { EVENTS_DB_FILE, openEventSinks, parseAuditURI } from './uri.js';
export type { AwsDefaults, OpenSinksOptions, SinkSpec } from './uri.js';
export type { PostgresEventStoreOptions } from './postgres/postgres-store.js';
export type { DynamoEventStoreOptions } from './dynamodb/dynamodb-store.js';
export { MemoryEventStore } from './memory/memory-store.js';
export { SqliteEventStore } from './sqlite/sqlite-store.js';
export { FileEventLog, dayFileName } from './file/file-log.js';
export { StdoutEventSink } from './stdout/stdout-sink.js';
export { parseQuery, queryFromParams, encodeStartKey, decodeStartKey } from './query.js';
export type { EventQuery, EventKey } from './query.js';

import type { AuditEmitter } from './audit-log.js';

/** An emitter that records nothing (components started without an audit log). */
export const discardEmitter: AuditEmitter = { emit: () => Promise.resolve() };
