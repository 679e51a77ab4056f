/**
 * Audit events in PostgreSQL (`audit_events_uri: postgresql://...`), shared by every auth server
 * that names the same database. One row per event in `audit_events`: the event as written (`json`,
 * so its fields keep their order) beside the columns searches use, each search shape backed by an
 * index ordered by (time, uid) — the primary key for time ranges, and (type|user|session, time, uid)
 * — so a page costs an index range scan whatever the table size. Events older than the retention
 * period are deleted in the background, as Teleport's PostgreSQL audit log does.
 */
import pg from 'pg';
import type { PoolClient, PoolConfig } from 'pg';
import type { AuditEvent, SearchEventsResponse } from '../../api/audit-wire.js';
import { BadParameterError, ConnectionProblemError, TeleportError } from '../../api/errors.js';
import { silentLogger, type Logger } from '../../log/index.js';
import type { EventStore } from '../audit-log.js';
import { pageOf, type EventQuery } from '../query.js';
import { maskPassword } from '../uri-params.js';

/** Options of PostgresEventStore.open (a parsed postgresql:// URI, see postgres-uri.ts). */
export interface PostgresEventStoreOptions {
  connString: string;
  /** Keep the tables in this schema (created when missing); tests use one per run. Default: search_path. */
  schema?: string;
  poolMax?: number;
  connectTimeoutMs?: number;
  /** Default one year (8766h, as Teleport). */
  retentionMs?: number;
  /** Default one hour. */
  cleanupIntervalMs?: number;
  disableCleanup?: boolean;
  logger?: Logger;
}

/** Teleport's default retention of audit events in PostgreSQL: 365.25 days. */
export const DEFAULT_RETENTION_MS = 8766 * 3_600_000;
const DEFAULT_CLEANUP_INTERVAL_MS = 3_600_000;
/** `audit_events_meta.schema_version`; bump with a migration when the table changes. */
export const EVENTS_PG_SCHEMA_VERSION = 1;
// Arbitrary: the advisory lock held while creating the tables, so auth servers starting together do not race.
const MIGRATION_LOCK = 0x61756474;
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A time bound as PostgreSQL reads it: ISO (exact to the millisecond) or ±infinity. */
function pgTime(ms: number): string {
  return ms === Infinity ? 'infinity' : ms === -Infinity ? '-infinity' : new Date(ms).toISOString();
}

/** Driver failures that mean "the database is unreachable" become ConnectionProblemError. */
function toStoreError(err: unknown, what: string): unknown {
  if (err instanceof TeleportError) return err;
  const code = (err as { code?: unknown }).code;
  const msg = (err as Error)?.message ?? String(err);
  if ((typeof code === 'string' && (TRANSIENT_SQLSTATE.test(code) || NETWORK_CODES.has(code))) || /Connection terminated|timeout/i.test(msg)) {
    return new ConnectionProblemError(`audit events (postgresql): ${what}: ${msg}`, { cause: err });
  }
  return err;
}

/** Events in a PostgreSQL table. `close()` stops the cleanup and ends the pool; safe twice. */
export class PostgresEventStore implements EventStore {
  readonly uri: string;
  private readonly t: string;
  private readonly meta: string;
  private cleanupTimer?: NodeJS.Timeout;
  private cleaning?: Promise<number>;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly opts: PostgresEventStoreOptions,
    private readonly logger: Logger,
  ) {
    this.uri = maskPassword(opts.connString);
    const q = (name: string) => (opts.schema ? `${quoteIdent(opts.schema)}.${quoteIdent(name)}` : quoteIdent(name));
    this.t = q('audit_events');
    this.meta = q('audit_events_meta');
  }

  /**
   * Connects (creating the database when it is missing and the user may), creates the tables when
   * missing and starts the cleanup. Throws BadParameterError for a table of a newer schema,
   * ConnectionProblemError when the database cannot be used (the message masks the password).
   */
  static async open(opts: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const config: PoolConfig = {
      connectionString: opts.connString,
      max: opts.poolMax ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      keepAlive: true,
    };
    const logger = (opts.logger ?? silentLogger).child({ component: 'audit:postgresql' });
    const newPool = (): pg.Pool => {
      const p = new pg.Pool(config);
      // An idle pooled connection that dies emits here; the pool replaces it on next use.
      p.on('error', (err) => logger.warn({ err: err.message }, 'idle audit database connection failed'));
      return p;
    };
    let pool = newPool();
    try {
      let client: PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        if ((err as { code?: string }).code !== '3D000') throw err;
        // Teleport creates the audit database on first start when the user is allowed to.
        await createDatabase(opts.connString, config);
        await pool.end().catch(() => undefined);
        pool = newPool();
        client = await pool.connect();
      }
      const s = new PostgresEventStore(pool, opts, logger);
      try {
        await s.migrate(client);
      } finally {
        client.release();
      }
      if (!opts.disableCleanup) {
        s.cleanupTimer = setInterval(() => void s.cleanup().catch(() => undefined), opts.cleanupIntervalMs ?? DEFAULT_CLEANUP_INTERVAL_MS);
        s.cleanupTimer.unref();
      }
      return s;
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (err instanceof TeleportError) throw err;
      throw new ConnectionProblemError(`audit events: cannot use ${maskPassword(opts.connString)}: ${(err as Error).message}`, { cause: err });
    }
  }

  private async migrate(c: PoolClient): Promise<void> {
    const { t, meta } = this;
    await c.query('BEGIN');
    try {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      if (this.opts.schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.opts.schema)}`);
      // uid in byte order ("C"), as every other store compares them.
      await c.query(`
        CREATE TABLE IF NOT EXISTS ${t} (
          event_time timestamptz NOT NULL,
          uid text COLLATE "C" NOT NULL,
          event_type text NOT NULL,
          event_user text,
          session_id text,
          data json NOT NULL,
          created timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (event_time, uid)
        );
        CREATE INDEX IF NOT EXISTS audit_events_type_idx ON ${t} (event_type, event_time, uid);
        CREATE INDEX IF NOT EXISTS audit_events_user_idx ON ${t} (event_user, event_time, uid) WHERE event_user IS NOT NULL;
        CREATE INDEX IF NOT EXISTS audit_events_session_idx ON ${t} (session_id, event_time, uid) WHERE session_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS audit_events_created_idx ON ${t} USING brin (created);
        CREATE TABLE IF NOT EXISTS ${meta} (name text PRIMARY KEY, value bigint NOT NULL);
        INSERT INTO ${meta} (name, value) VALUES ('schema_version', ${EVENTS_PG_SCHEMA_VERSION}) ON CONFLICT (name) DO NOTHING;
      `);
      const v = await c.query<{ value: string }>(`SELECT value FROM ${meta} WHERE name = 'schema_version'`);
      if (Number(v.rows[0]?.value) > EVENTS_PG_SCHEMA_VERSION) {
        throw new BadParameterError(`audit events: ${this.uri} has schema version ${v.rows[0].value}, newer than this build's ${EVENTS_PG_SCHEMA_VERSION}; upgrade teleport`);
      }
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** Stores `e`; writing the same event (time and uid) again changes nothing. */
  async write(e: AuditEvent): Promise<void> {
    const ms = Date.parse(e.time);
    if (Number.isNaN(ms) || typeof e.uid !== 'string' || e.uid === '') throw new BadParameterError(`audit event ${e.event}: needs a time and a uid`);
    // The key's time is the millisecond of the event's time, as cursors name it.
    await this.exec(
      'write an event',
      `INSERT INTO ${this.t} (event_time, uid, event_type, event_user, session_id, data) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_time, uid) DO NOTHING`,
      [pgTime(ms), e.uid, e.event, e.user || null, e.sid || null, JSON.stringify(e)],
    );
  }

  async search(q: EventQuery): Promise<SearchEventsResponse> {
    const values: unknown[] = [pgTime(q.fromMs), pgTime(q.toMs)];
    const arg = (v: unknown): string => `$${values.push(v)}`;
    const where = ['event_time >= $1', 'event_time < $2'];
    if (q.sid !== undefined) where.push(`session_id = ${arg(q.sid)}`);
    if (q.user !== undefined) where.push(`event_user = ${arg(q.user)}`);
    if (q.after) where.push(`(event_time, uid) ${q.order === 'asc' ? '>' : '<'} (${arg(pgTime(q.after.timeMs))}, ${arg(q.after.uid)})`);
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const order = `ORDER BY event_time ${dir}, uid ${dir}`;
    const limit = arg(q.limit + 1);
    let sql: string;
    if (q.types.length > 1 && q.sid === undefined && q.user === undefined) {
      // One ordered range of the type index per type, merged: each reads at most a page.
      const parts = q.types.map((type) => `(SELECT event_time, uid, data FROM ${this.t} WHERE event_type = ${arg(type)} AND ${where.join(' AND ')} ${order} LIMIT ${limit})`);
      sql = `SELECT data FROM (${parts.join(' UNION ALL ')}) merged ${order} LIMIT ${limit}`;
    } else {
      if (q.types.length === 1) where.push(`event_type = ${arg(q.types[0])}`);
      else if (q.types.length > 1) where.push(`event_type = ANY(${arg(q.types)})`);
      sql = `SELECT data FROM ${this.t} WHERE ${where.join(' AND ')} ${order} LIMIT ${limit}`;
    }
    const rows = await this.exec<{ data: AuditEvent }>('search events', sql, values);
    return pageOf(rows.map((r) => r.data), q.limit);
  }

  /**
   * Deletes events stored longer ago than the retention period (by the database's clock); returns
   * how many. Runs on a timer; concurrent calls share one pass.
   */
  cleanup(): Promise<number> {
    this.cleaning ??= (async () => {
      try {
        const ms = this.opts.retentionMs ?? DEFAULT_RETENTION_MS;
        const res = await this.pool.query(`DELETE FROM ${this.t} WHERE created < now() - ($1::bigint * interval '1 millisecond')`, [ms]);
        if (res.rowCount) this.logger.debug({ deleted: res.rowCount }, 'deleted audit events past the retention period');
        return res.rowCount ?? 0;
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'deleting old audit events failed');
        throw toStoreError(err, 'delete old events');
      } finally {
        this.cleaning = undefined;
      }
    })();
    return this.cleaning;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.cleanupTimer);
    await this.cleaning?.catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  private async exec<R extends object>(what: string, text: string, values: unknown[]): Promise<R[]> {
    if (this.closed) throw new ConnectionProblemError(`audit events (postgresql): cannot ${what}: the store is closed`);
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (err) {
      throw toStoreError(err, what);
    }
  }
}

/** CREATE DATABASE for the URL's database, connecting to `postgres`; someone else creating it first is fine. */
async function createDatabase(connString: string, config: PoolConfig): Promise<void> {
  const url = new URL(connString);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) return;
  url.pathname = '/postgres';
  const c = new pg.Client({ ...config, connectionString: url.toString() });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await c.end().catch(() => undefined);
  }
}
