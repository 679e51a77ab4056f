/**
 * The storage seam's public surface: the Backend interface, key helpers, the memory and SQLite
 * implementations, and `openBackend` to pick one from config.
 */
import type { Clock } from '../api/clock.js';
import { BadParameterError } from '../api/errors.js';
import type { Backend } from './backend.js';
import { MemoryBackend } from './memory/memory.js';
import { SqliteBackend } from './sqlite/sqlite.js';

export type { Backend, BackendEvent, Item, ItemInput, Lease, Watcher, WatchOptions } from './backend.js';
export { key, rangeEnd } from './backend.js';
export { compareKeys } from './key-order.js';
export { WATCH_BUFFER_LIMIT } from './watch-fanout.js';
export { MemoryBackend } from './memory/memory.js';
export type { MemoryBackendOptions } from './memory/memory.js';
export { SqliteBackend } from './sqlite/sqlite.js';
export type { SqliteBackendOptions } from './sqlite/sqlite.js';

/** Which backend `openBackend` builds: in-memory, or a SQLite file at `path` (`:memory:` allowed). */
export type BackendSpec = { type: 'memory' } | { type: 'sqlite'; path: string };

/**
 * Opens the backend a spec names, with expiry checked against `clock` (default: the system clock).
 * Throws BadParameterError for an unknown type or a file that is not a SQLite database.
 */
export async function openBackend(spec: BackendSpec, clock?: Clock): Promise<Backend> {
  switch (spec.type) {
    case 'memory':
      return new MemoryBackend({ clock });
    case 'sqlite':
      return SqliteBackend.open({ path: spec.path, clock });
    default:
      throw new BadParameterError(`unknown backend type ${JSON.stringify((spec as { type: unknown }).type)}; use memory or sqlite`);
  }
}
