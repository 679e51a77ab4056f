/**
 * Opening the SQLite file: creates its directory, sets pragmas, creates the schema, and turns
 * "not a database" and "cannot open" failures into typed errors that name the path.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { BadParameterError, ConnectionProblemError } from '../../api/errors.js';

/** How long a writer waits for another process's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/** Schema version stored in `PRAGMA user_version`; bump with a migration when the tables change. */
export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  key BLOB PRIMARY KEY,
  value TEXT NOT NULL,
  expires INTEGER,
  revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires) WHERE expires IS NOT NULL;
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0);
`;

/** SQLite result codes meaning the file exists but is not a usable database. */
const NOT_A_DATABASE = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

/** `PRAGMA synchronous` values (teleport.yaml `storage.sync`). */
export const SQLITE_SYNC_MODES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;
/** `PRAGMA journal_mode` values (teleport.yaml `storage.journal`). */
export const SQLITE_JOURNAL_MODES = ['DELETE', 'TRUNCATE', 'PERSIST', 'MEMORY', 'WAL', 'OFF'] as const;

/** How the file is written: `storage.sync` and `storage.journal` (defaults NORMAL and WAL). */
export interface SqlitePragmas {
  sync?: (typeof SQLITE_SYNC_MODES)[number];
  journal?: (typeof SQLITE_JOURNAL_MODES)[number];
}

function isMemoryPath(path: string): boolean {
  return path === ':memory:' || path === '';
}

/**
 * Opens (creating if needed) the database at `path` with a busy timeout and the journal and sync
 * modes of `pragmas` (default WAL and NORMAL; the values are checked here as well as at load).
 * Throws BadParameterError when the file is not a SQLite database (or has a newer schema),
 * ConnectionProblemError when it cannot be opened at all; both name the path.
 */
export function openDatabase(path: string, pragmas: SqlitePragmas = {}): Db {
  if (typeof path !== 'string') throw new BadParameterError('sqlite backend: path must be a string');
  const journal = pragmas.journal ?? 'WAL';
  const sync = pragmas.sync ?? 'NORMAL';
  // Interpolated into a pragma: only the listed words may pass.
  if (!SQLITE_JOURNAL_MODES.includes(journal)) throw new BadParameterError(`sqlite backend: unknown journal mode "${String(journal)}"; expected one of: ${SQLITE_JOURNAL_MODES.join(', ')}`);
  if (!SQLITE_SYNC_MODES.includes(sync)) throw new BadParameterError(`sqlite backend: unknown sync mode "${String(sync)}"; expected one of: ${SQLITE_SYNC_MODES.join(', ')}`);
  let db: Db | undefined;
  try {
    if (!isMemoryPath(path)) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    db.pragma(`journal_mode = ${journal}`);
    db.pragma(`synchronous = ${sync}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new BadParameterError(
        `sqlite backend: ${path} has schema version ${version}, newer than this build's ${SCHEMA_VERSION}; upgrade teleport`,
      );
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof BadParameterError) throw err;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_A_DATABASE.has(code)) {
      throw new BadParameterError(`sqlite backend: ${path} is not a SQLite database (${code}); move it aside or fix storage.path`, {
        cause: err,
      });
    }
    throw new ConnectionProblemError(`sqlite backend: cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
}
