/**
 * The cluster database's event store on SQLite: a dedicated `events` table (in its own file beside
 * the cluster state, `events.db`) with one index per way of searching — by time, by type, by user,
 * by session — each ordered by (time, uid), so a page costs an index range scan whatever the table
 * size. The writes of a 20 ms window go in one transaction (write-batch.ts); every
 * read flushes first, so an event is searchable as soon as `write` returns.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import type { AuditEvent, SearchEventsResponse } from '../../api/audit-wire.js';
import { BadParameterError, ConnectionProblemError } from '../../api/errors.js';
import type { EventStore } from '../audit-log.js';
import { compareKeys, pageOf, type EventQuery } from '../query.js';
import { WriteBatch } from '../write-batch.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  uid TEXT NOT NULL,
  event_type TEXT NOT NULL,
  user TEXT,
  sid TEXT,
  data TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_time ON events (time_ms, uid);
CREATE INDEX IF NOT EXISTS events_by_type ON events (event_type, time_ms, uid);
CREATE INDEX IF NOT EXISTS events_by_user ON events (user, time_ms, uid) WHERE user IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_sid ON events (sid, time_ms, uid) WHERE sid IS NOT NULL;
`;

/** `PRAGMA user_version` of events.db; bump with a migration when the table changes. */
export const EVENTS_SCHEMA_VERSION = 1;

/** Bounds standing in for an open time range (SQLite integers). */
const MIN_TIME = -8_640_000_000_000_000;
const MAX_TIME = 8_640_000_000_000_000;

interface Row {
  data: string;
}

/** Options: the file (or `:memory:`). */
export interface SqliteEventStoreOptions {
  path: string;
}

/** Events in a SQLite table. Throws ConnectionProblemError/BadParameterError from open when the file is unusable. */
export class SqliteEventStore implements EventStore {
  readonly uri: string;
  private readonly insert: Statement;
  private readonly statements = new Map<string, Statement>();
  private closed = false;
  private readonly batch = new WriteBatch<AuditEvent>((events) => this.writeMany(events));

  private constructor(private readonly db: Db, path: string) {
    this.uri = `sqlite://${path}`;
    this.insert = db.prepare('INSERT OR IGNORE INTO events (time_ms, uid, event_type, user, sid, data) VALUES (?, ?, ?, ?, ?, ?)');
  }

  /** Opens (creating if needed) the store at `path`. */
  static open(opts: SqliteEventStoreOptions): SqliteEventStore {
    const { path } = opts;
    let db: Db | undefined;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      db = new Database(path, { timeout: 5000 });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > EVENTS_SCHEMA_VERSION) {
        throw new BadParameterError(`audit events: ${path} has schema version ${version}, newer than this build's ${EVENTS_SCHEMA_VERSION}; upgrade teleport`);
      }
      db.exec(SCHEMA);
      db.pragma(`user_version = ${EVENTS_SCHEMA_VERSION}`);
      return new SqliteEventStore(db, path);
    } catch (err) {
      db?.close();
      if (err instanceof BadParameterError) throw err;
      const code = (err as { code?: unknown }).code;
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
        throw new BadParameterError(`audit events: ${path} is not a SQLite database (${code}); move it aside`, { cause: err });
      }
      throw new ConnectionProblemError(`audit events: cannot open ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  write(event: AuditEvent): Promise<void> {
    return this.batch.add(event);
  }

  /** Writes many events in one transaction (imports, benchmarks). */
  writeMany(events: Iterable<AuditEvent>): void {
    this.db.transaction((list: Iterable<AuditEvent>) => {
      for (const e of list) this.insertOne(e);
    })(events);
  }

  async search(q: EventQuery): Promise<SearchEventsResponse> {
    this.batch.flushNow();
    const want = q.limit + 1;
    let rows: AuditEvent[];
    if (q.sid === undefined && q.user === undefined && q.types.length > 1) {
      // One index range per type, merged: each is already in order, so at most `want` rows each.
      const merged = q.types.flatMap((t) => this.run({ ...q, types: [t] }, 'events_by_type', want));
      merged.sort((a, b) => compareKeys(key(a), key(b)) * (q.order === 'asc' ? 1 : -1));
      rows = merged.slice(0, want);
    } else {
      const index = q.sid !== undefined ? 'events_by_sid' : q.user !== undefined ? 'events_by_user' : q.types.length === 1 ? 'events_by_type' : 'events_by_time';
      rows = this.run(q, index, want);
    }
    return Promise.resolve(pageOf(rows, q.limit));
  }

  /** The number of stored events. */
  count(): number {
    this.batch.flushNow();
    return (this.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.batch.flushNow();
      this.closed = true;
      this.db.close();
    }
    return Promise.resolve();
  }

  /**
   * The same search answered by reading the whole table (no index): the baseline the benchmark
   * compares indexed searches against.
   */
  scanSearch(q: EventQuery): AuditEvent[] {
    this.batch.flushNow();
    return this.run(q, 'NOT INDEXED', q.limit + 1);
  }

  private insertOne(e: AuditEvent): void {
    const t = Date.parse(e.time);
    this.insert.run(t, e.uid, e.event, e.user || null, e.sid || null, JSON.stringify(e));
  }

  private run(q: EventQuery, index: string, limit: number): AuditEvent[] {
    const where = ['time_ms >= ?', 'time_ms < ?'];
    const args: unknown[] = [clampTime(q.fromMs), clampTime(q.toMs)];
    if (q.sid !== undefined) {
      where.push('sid = ?');
      args.push(q.sid);
    }
    if (q.user !== undefined) {
      where.push('user = ?');
      args.push(q.user);
    }
    if (q.types.length > 0) {
      where.push(`event_type IN (${q.types.map(() => '?').join(', ')})`);
      args.push(...q.types);
    }
    if (q.after) {
      where.push(q.order === 'asc' ? '(time_ms, uid) > (?, ?)' : '(time_ms, uid) < (?, ?)');
      args.push(q.after.timeMs, q.after.uid);
    }
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const from = index === 'NOT INDEXED' ? 'events NOT INDEXED' : `events INDEXED BY ${index}`;
    const sql = `SELECT data FROM ${from} WHERE ${where.join(' AND ')} ORDER BY time_ms ${dir}, uid ${dir} LIMIT ?`;
    args.push(limit);
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return (st.all(...args) as Row[]).map((r) => JSON.parse(r.data) as AuditEvent);
  }
}

function clampTime(t: number): number {
  return Math.min(MAX_TIME, Math.max(MIN_TIME, t));
}

function key(e: AuditEvent): { timeMs: number; uid: string } {
  return { timeMs: Date.parse(e.time), uid: e.uid };
}
