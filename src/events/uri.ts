/**
 * `audit_events_uri` values: `file:///dir` (daily JSON-lines files), `stdout://`, and `sqlite://`
 * (the cluster database; an optional path overrides `events.db` beside the cluster state). Leaving
 * the setting empty means the cluster database. Opening the sinks a list names.
 */
import { isAbsolute, join } from 'node:path';
import type { Clock } from '../api/clock.js';
import { BadParameterError, NotImplementedError } from '../api/errors.js';
import type { EventSink } from './audit-log.js';
import { FileEventLog } from './file/file-log.js';
import { SqliteEventStore } from './sqlite/sqlite-store.js';
import { StdoutEventSink } from './stdout/stdout-sink.js';

/** What one URI asks for. */
export type SinkSpec = { kind: 'file'; dir: string } | { kind: 'stdout' } | { kind: 'sqlite'; path?: string };

/** The file name of the cluster database's events, beside the cluster state. */
export const EVENTS_DB_FILE = 'events.db';

const LATER = ['dynamodb', 'firestore', 'postgres', 'postgresql', 'athena', 'cockroach'];

/** Parses one URI. BadParameterError for malformed ones, NotImplementedError for stores of later releases. */
export function parseAuditURI(uri: string): SinkSpec {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(uri.trim());
  if (!m) throw new BadParameterError(`audit_events_uri "${uri}": expected a URI such as file:///var/lib/teleport/log or stdout://`);
  const scheme = m[1].toLowerCase();
  const rest = m[2];
  switch (scheme) {
    case 'file': {
      const path = decodeURIComponent(rest.replace(/[?#].*$/, ''));
      if (!isAbsolute(path)) throw new BadParameterError(`audit_events_uri "${uri}": a file:// URI needs an absolute directory, e.g. file:///var/lib/teleport/log`);
      return { kind: 'file', dir: path };
    }
    case 'stdout':
      return { kind: 'stdout' };
    case 'sqlite': {
      const path = decodeURIComponent(rest.replace(/[?#].*$/, ''));
      if (path !== '' && !isAbsolute(path)) throw new BadParameterError(`audit_events_uri "${uri}": a sqlite:// path must be absolute`);
      return path ? { kind: 'sqlite', path } : { kind: 'sqlite' };
    }
    default:
      if (LATER.includes(scheme)) {
        throw new NotImplementedError(
          `audit_events_uri "${uri}": ${scheme}:// is not available in this release; use file://, stdout:// or leave it unset for the cluster database`,
        );
      }
      throw new BadParameterError(`audit_events_uri "${uri}": unknown scheme "${scheme}" (supported: file://, stdout://, sqlite://)`);
  }
}

/** Where sinks live and what they write with. */
export interface OpenSinksOptions {
  /** The cluster state's directory (`teleport.storage.path`): the default events.db goes there. */
  storageDir: string;
  clock: Clock;
  /** Where `stdout://` writes (tests). */
  stdout?: NodeJS.WritableStream;
}

/**
 * Opens the sinks `uris` name, in order; the cluster database when the list is empty. Validates
 * every URI before opening any; on a failure closes what it opened and rethrows.
 */
export function openEventSinks(uris: readonly string[], opts: OpenSinksOptions): EventSink[] {
  const specs = uris.length === 0 ? [{ kind: 'sqlite' } as SinkSpec] : uris.map(parseAuditURI);
  const sinks: EventSink[] = [];
  try {
    for (const s of specs) {
      if (s.kind === 'file') sinks.push(new FileEventLog({ dir: s.dir, clock: opts.clock }));
      else if (s.kind === 'stdout') sinks.push(new StdoutEventSink(opts.stdout));
      else sinks.push(SqliteEventStore.open({ path: s.path ?? join(opts.storageDir, EVENTS_DB_FILE) }));
    }
    return sinks;
  } catch (err) {
    for (const s of sinks) void s.close();
    throw err;
  }
}
