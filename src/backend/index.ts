/**
 * The storage seam's public surface: the Backend interface, key helpers, the memory and SQLite
 * implementations, and `openBackend` to pick one from config (the networked ones, PostgreSQL, etcd
 * and DynamoDB, are loaded only when asked for: their client libraries are heavy).
 */
import type { Clock } from '../api/clock.js';
import { BadParameterError } from '../api/errors.js';
import type { Backend } from './backend.js';
import type { DynamoBackendOptions } from './dynamodb/dynamodb.js';
import type { EtcdBackendOptions } from './etcd/etcd.js';
import type { PostgresBackendOptions } from './postgres/postgres.js';
import { MemoryBackend } from './memory/memory.js';
import { SqliteBackend } from './sqlite/sqlite.js';
import type { SqliteBackendOptions } from './sqlite/sqlite.js';

export type { Backend, BackendEvent, Item, ItemInput, Lease, Watcher, WatchOptions } from './backend.js';
export { key, rangeEnd } from './backend.js';
export { compareKeys } from './key-order.js';
export { WATCH_BUFFER_LIMIT } from './watch-fanout.js';
export { MemoryBackend } from './memory/memory.js';
export type { MemoryBackendOptions } from './memory/memory.js';
export { SqliteBackend } from './sqlite/sqlite.js';
export type { SqliteBackendOptions } from './sqlite/sqlite.js';
export { SQLITE_JOURNAL_MODES, SQLITE_SYNC_MODES } from './sqlite/open-db.js';
export type { PostgresBackendOptions } from './postgres/postgres.js';
export type { EtcdBackendOptions } from './etcd/etcd.js';
export type { DynamoBackendOptions } from './dynamodb/dynamodb.js';

/**
 * Which backend `openBackend` builds: in-memory, a SQLite file at `path` (`:memory:` allowed), or a
 * shared store (PostgreSQL, etcd, DynamoDB) with its options.
 */
export type BackendSpec =
  | { type: 'memory' }
  | ({ type: 'sqlite' } & Omit<SqliteBackendOptions, 'clock'>)
  | ({ type: 'postgresql' } & Omit<PostgresBackendOptions, 'clock'>)
  | ({ type: 'etcd' } & Omit<EtcdBackendOptions, 'clock'>)
  | ({ type: 'dynamodb' } & Omit<DynamoBackendOptions, 'clock'>);

/**
 * Opens the backend a spec names, with expiry checked against `clock` (default: the system clock).
 * Throws BadParameterError for an unknown type or invalid settings (a file that is not a SQLite
 * database, a malformed connection string, a table of another layout), ConnectionProblemError when
 * a networked store cannot be reached.
 */
export async function openBackend(spec: BackendSpec, clock?: Clock): Promise<Backend> {
  switch (spec.type) {
    case 'memory':
      return new MemoryBackend({ clock });
    case 'sqlite': {
      const { type: _type, ...opts } = spec;
      return SqliteBackend.open({ ...opts, clock });
    }
    case 'postgresql': {
      const { type: _type, ...opts } = spec;
      const { PostgresBackend } = await import('./postgres/postgres.js');
      return PostgresBackend.open({ ...opts, clock });
    }
    case 'etcd': {
      const { type: _type, ...opts } = spec;
      const { EtcdBackend } = await import('./etcd/etcd.js');
      return EtcdBackend.open({ ...opts, clock });
    }
    case 'dynamodb': {
      const { type: _type, ...opts } = spec;
      const { DynamoBackend } = await import('./dynamodb/dynamodb.js');
      return DynamoBackend.open({ ...opts, clock });
    }
    default:
      throw new BadParameterError(
        `unknown backend type ${JSON.stringify((spec as { type: unknown }).type)}; use memory, sqlite, postgresql, etcd or dynamodb`,
      );
  }
}
