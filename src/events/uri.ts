/**
 * `audit_events_uri` values: `file:///dir` (daily JSON-lines files), `stdout://`, `sqlite://`
 * (the cluster database; an optional path overrides `events.db` beside the cluster state), and the
 * stores several auth servers share, `postgresql://` (or `postgres://`) and `dynamodb://`. Leaving
 * the setting empty means the cluster database. Opening the sinks a list names.
 */
import { isAbsolute, join } from 'node:path';
import type { Clock } from '../api/clock.js';
import { BadParameterError, NotImplementedError } from '../api/errors.js';
import type { Logger } from '../log/index.js';
import type { EventSink } from './audit-log.js';
import { parseDynamoURI, type DynamoSinkSpec } from './dynamodb/dynamodb-uri.js';
import { FileEventLog } from './file/file-log.js';
import { parsePostgresURI, type PostgresSinkSpec } from './postgres/postgres-uri.js';
import { SqliteEventStore } from './sqlite/sqlite-store.js';
import { StdoutEventSink } from './stdout/stdout-sink.js';
import { maskPassword } from './uri-params.js';

/** What one URI asks for. */
export type SinkSpec = { kind: 'file'; dir: string } | { kind: 'stdout' } | { kind: 'sqlite'; path?: string } | PostgresSinkSpec | DynamoSinkSpec;

/** The file name of the cluster database's events, beside the cluster state. */
export const EVENTS_DB_FILE = 'events.db';

const LATER = ['firestore', 'athena', 'cockroach'];
const SUPPORTED = 'file://, stdout://, sqlite://, postgresql://, dynamodb://';

/**
 * Parses one URI. BadParameterError for malformed ones (messages mask passwords),
 * NotImplementedError for stores of later releases.
 */
export function parseAuditURI(uri: string): SinkSpec {
  const shown = maskPassword(uri);
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(uri.trim());
  if (!m) throw new BadParameterError(`audit_events_uri "${shown}": expected a URI such as file:///var/lib/teleport/log or stdout://`);
  const scheme = m[1].toLowerCase();
  const rest = m[2];
  switch (scheme) {
    case 'file': {
      const path = decodeURIComponent(rest.replace(/[?#].*$/, ''));
      if (!isAbsolute(path)) throw new BadParameterError(`audit_events_uri "${shown}": a file:// URI needs an absolute directory, e.g. file:///var/lib/teleport/log`);
      return { kind: 'file', dir: path };
    }
    case 'stdout':
      return { kind: 'stdout' };
    case 'postgres':
    case 'postgresql':
      return parsePostgresURI(uri);
    case 'dynamodb':
      return parseDynamoURI(uri);
    case 'sqlite': {
      const path = decodeURIComponent(rest.replace(/[?#].*$/, ''));
      if (path !== '' && !isAbsolute(path)) throw new BadParameterError(`audit_events_uri "${shown}": a sqlite:// path must be absolute`);
      return path ? { kind: 'sqlite', path } : { kind: 'sqlite' };
    }
    default:
      if (LATER.includes(scheme)) {
        throw new NotImplementedError(
          `audit_events_uri "${shown}": ${scheme}:// is not available in this release; use one of ${SUPPORTED}, or leave it unset for the cluster database`,
        );
      }
      throw new BadParameterError(`audit_events_uri "${shown}": unknown scheme "${scheme}" (supported: ${SUPPORTED})`);
  }
}

/** Where sinks live and what they write with. */
export interface OpenSinksOptions {
  /** The cluster state's directory (`teleport.storage.path`): the default events.db goes there. */
  storageDir: string;
  clock: Clock;
  /** Where `stdout://` writes (tests). */
  stdout?: NodeJS.WritableStream;
  /**
   * AWS settings of the storage section when it is type dynamodb: the region when a dynamodb://
   * URI names none, the credentials, and how a table created on first start is billed.
   */
  aws?: AwsDefaults;
  logger?: Logger;
}

/** The storage section's AWS settings a dynamodb:// sink falls back on. */
export interface AwsDefaults {
  region?: string;
  accessKey?: string;
  secretKey?: string;
  billingMode?: 'pay_per_request' | 'provisioned';
  readCapacityUnits?: number;
  writeCapacityUnits?: number;
  continuousBackups?: boolean;
}

/**
 * Opens the sinks `uris` name, in order; the cluster database when the list is empty. Validates
 * every URI before opening any (PostgreSQL and DynamoDB stores connect and create their tables
 * here); on a failure closes what it opened and rethrows.
 */
export async function openEventSinks(uris: readonly string[], opts: OpenSinksOptions): Promise<EventSink[]> {
  const specs = uris.length === 0 ? [{ kind: 'sqlite' } as SinkSpec] : uris.map(parseAuditURI);
  const sinks: EventSink[] = [];
  try {
    for (const s of specs) sinks.push(await openSink(s, opts));
    return sinks;
  } catch (err) {
    for (const s of sinks) await s.close().catch(() => undefined);
    throw err;
  }
}

async function openSink(s: SinkSpec, opts: OpenSinksOptions): Promise<EventSink> {
  switch (s.kind) {
    case 'file':
      return new FileEventLog({ dir: s.dir, clock: opts.clock });
    case 'stdout':
      return new StdoutEventSink(opts.stdout);
    case 'sqlite':
      return SqliteEventStore.open({ path: s.path ?? join(opts.storageDir, EVENTS_DB_FILE) });
    case 'postgresql': {
      // Loaded only when asked for: the drivers of the shared stores are heavy.
      const { PostgresEventStore } = await import('./postgres/postgres-store.js');
      const { kind: _, ...rest } = s;
      return PostgresEventStore.open({ ...rest, logger: opts.logger });
    }
    case 'dynamodb': {
      const { DynamoEventStore } = await import('./dynamodb/dynamodb-store.js');
      const { kind: _, disableConflictCheck: __, ...rest } = s;
      return DynamoEventStore.open({ ...opts.aws, ...rest, region: s.region ?? opts.aws?.region, clock: opts.clock, logger: opts.logger });
    }
  }
}
