/**
 * The PostgreSQL backend (one of the HA choices: several auth servers share one database). Keys are
 * `bytea` compared in byte order. Every write is a short transaction that takes the row lock of the
 * revision counter first, so writers from every auth server are ordered by revision, and appends
 * its changes to `kv_events`; the LISTEN/NOTIFY feed reads that log and feeds this process's watchers.
 */
import pg from 'pg';
import type { PoolClient, QueryResult } from 'pg';
import { systemClock } from '../../api/clock.js';
import type { Clock } from '../../api/clock.js';
import { ConnectionProblemError, TeleportError } from '../../api/errors.js';
import { silentLogger } from '../../log/index.js';
import type { Logger } from '../../log/index.js';
import type { Backend, BackendEvent, Item, ItemInput, Lease, Watcher, WatchOptions } from '../backend.js';
import { FeedCursor } from '../feed-cursor.js';
import { ConditionalWrites } from '../conditional-writes.js';
import { checkItem, checkKey, checkRange } from '../key-order.js';
import { enforce, notFound, preconditions } from '../preconditions.js';
import type { Precondition } from '../preconditions.js';
import { DEFAULT_SWEEP_INTERVAL_MS, startSweeper } from '../sweeper.js';
import type { Sweeper } from '../sweeper.js';
import { WatchFanout } from '../watch-fanout.js';
import { PgChangeFeed } from './change-feed.js';
import type { EventRow } from './change-feed.js';
import { parseConnString, redactConnString } from './conn-string.js';
import { migrate, pgNames } from './schema.js';
import type { PgNames } from './schema.js';

/** Options for PostgresBackend.open. Durations are real milliseconds; expiry itself follows `clock`. */
export interface PostgresBackendOptions {
  /** Teleport's `conn_string`: `postgresql://user@host:5432/db?sslmode=verify-full&sslrootcert=...`. */
  connString: string;
  /** Teleport's `change_feed_conn_string`: where the LISTEN connection goes (default: connString). */
  changeFeedConnString?: string;
  /** Keep the tables in this schema (created when missing); tests use one per run. Default: search_path. */
  schema?: string;
  clock?: Clock;
  /** `expiry_interval`: how often expired items are deleted (and watchers told). */
  sweepIntervalMs?: number;
  /** `disable_expiry`: leave deleting expired items to another auth server. Reads still hide them. */
  disableExpiry?: boolean;
  /** `change_feed_poll_interval`: the safety-net read of the change log besides NOTIFY. */
  changeFeedPollIntervalMs?: number;
  /** How long the change log keeps events (a watcher further behind restarts). */
  eventRetentionMs?: number;
  watchBufferLimit?: number;
  logger?: Logger;
}

type Change = Exclude<BackendEvent, { type: 'init' }>;

interface Row {
  key?: Buffer;
  value: Buffer;
  expires: string | null;
  revision: string;
}

const PUT = 0;
const DELETE = 1;
/** A write waits at most this long for its own event to reach local watchers. */
const WRITE_WAIT_MS = 3000;
const DEFAULT_POLL_MS = 1000;
const DEFAULT_RETENTION_MS = 10 * 60_000;
/** The change log is pruned at most this often. */
const PRUNE_EVERY_MS = 30_000;

const enc = (k: string): Buffer => Buffer.from(k, 'utf8');

function toItem(key: string, r: Row): Item {
  const item: Item = { key, value: r.value.toString('utf8'), revision: String(r.revision) };
  if (r.expires !== null) item.expires = Number(r.expires);
  return item;
}

const LIVE = '(expires IS NULL OR expires > $2)';
/** SQLSTATE classes that mean "try again or elsewhere", not "your request is wrong". */
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58|XX)/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/** Turns driver failures into ConnectionProblemError; our typed errors pass through. */
function toBackendError(err: unknown, what: string): unknown {
  if (err instanceof TeleportError) return err;
  const code = (err as { code?: unknown }).code;
  const msg = (err as Error).message ?? String(err);
  if (
    (typeof code === 'string' && (TRANSIENT_SQLSTATE.test(code) || NETWORK_CODES.has(code))) ||
    /Connection terminated|Client has encountered a connection error|timeout/i.test(msg)
  ) {
    return new ConnectionProblemError(`postgresql backend: ${what}: ${msg}`, { cause: err });
  }
  return err;
}

/** A Backend on one PostgreSQL database (or one schema of it). Each write is one transaction. */
export class PostgresBackend extends ConditionalWrites implements Backend {
  readonly clock: Clock;
  private readonly fanout: WatchFanout;
  private readonly cursor: FeedCursor;
  private readonly feed: PgChangeFeed;
  private readonly sweeper: Sweeper | undefined;
  private readonly logger: Logger;
  private readonly retentionMs: number;
  private closed = false;
  private sweeping = false;
  private lastPrune = 0;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly n: PgNames,
    opts: PostgresBackendOptions,
    revision: bigint,
  ) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.retentionMs = opts.eventRetentionMs ?? DEFAULT_RETENTION_MS;
    this.fanout = new WatchFanout({ bufferLimit: opts.watchBufferLimit });
    this.cursor = new FeedCursor(revision);
    const feedConn = parseConnString(opts.changeFeedConnString ?? opts.connString);
    this.feed = new PgChangeFeed({
      connection: { connectionString: feedConn.connectionString, connectionTimeoutMillis: feedConn.connectionTimeoutMillis, keepAlive: true },
      names: n,
      cursor: this.cursor,
      onRows: (rows) => this.deliver(rows),
      onGap: () => this.fanout.closeAll(),
      pollIntervalMs: opts.changeFeedPollIntervalMs ?? DEFAULT_POLL_MS,
      logger: this.logger,
    });
    if (!opts.disableExpiry) {
      this.sweeper = startSweeper(opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS, () => void this.sweep());
    }
  }

  /**
   * Connects, creates the tables when missing and starts the change feed. Throws BadParameterError
   * for a malformed connection string or a foreign table layout, ConnectionProblemError when the
   * database cannot be reached (the message names the server, never the password).
   */
  static async open(opts: PostgresBackendOptions): Promise<PostgresBackend> {
    const poolConfig = parseConnString(opts.connString);
    const logger = opts.logger ?? silentLogger;
    const pool = new pg.Pool(poolConfig);
    // An idle pooled connection that dies emits here; the pool replaces it on next use.
    pool.on('error', (err) => logger.warn({ component: 'backend:postgres', error: err.message }, 'idle connection failed'));
    const names = pgNames(opts.schema);
    let backend: PostgresBackend | undefined;
    try {
      const client = await pool.connect();
      try {
        await migrate(client, names);
      } finally {
        client.release();
      }
      const top = await pool.query<{ value: string }>(`SELECT value FROM ${names.meta} WHERE name = 'revision'`);
      backend = new PostgresBackend(pool, names, opts, BigInt(top.rows[0].value));
      await backend.feed.start();
      return backend;
    } catch (err) {
      if (backend) await backend.close();
      else await pool.end().catch(() => undefined);
      if (err instanceof TeleportError) throw err;
      throw new ConnectionProblemError(
        `postgresql backend: cannot use ${redactConnString(opts.connString)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new ConnectionProblemError('postgresql backend is closed');
  }

  /** Runs a read on the pool with driver errors mapped. */
  private async read<R extends object>(what: string, text: string, values: unknown[]): Promise<R[]> {
    this.ensureOpen();
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (err) {
      throw toBackendError(err, what);
    }
  }

  /**
   * Runs `fn` in a transaction holding the revision counter's row lock (so every writer of the
   * database is ordered by revision), records its changes in the log and notifies, then waits
   * until the feed handed them to local watchers. A transaction with no changes is rolled back.
   */
  private async tx(what: string, fn: (c: PoolClient, rev: bigint) => Promise<Change[]>): Promise<bigint> {
    this.ensureOpen();
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw toBackendError(err, what);
    }
    let rev: bigint;
    let broken: Error | undefined;
    try {
      const results = (await client.query(
        `BEGIN; UPDATE ${this.n.meta} SET value = value + 1 WHERE name = 'revision' RETURNING value`,
      )) as unknown as QueryResult<{ value: string }>[];
      rev = BigInt(results[1].rows[0].value);
      const changes = await fn(client, rev);
      if (changes.length === 0) {
        await client.query('ROLLBACK');
        return rev;
      }
      await this.record(client, rev, changes);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = e as Error;
      });
      throw toBackendError(err, what);
    } finally {
      client.release(broken);
    }
    if (this.feed.connected) await this.cursor.waitFor(rev, WRITE_WAIT_MS);
    return rev;
  }

  /** Applies the changes to `kv`, appends them to the log and notifies listeners, in one statement. */
  private async record(client: PoolClient, rev: bigint, changes: Change[]): Promise<void> {
    const puts = changes.filter((c): c is Extract<Change, { type: 'put' }> => c.type === 'put').map((c) => c.item);
    const dels = changes.filter((c): c is Extract<Change, { type: 'delete' }> => c.type === 'delete').map((c) => enc(c.key));
    const { kv, events, channel } = this.n;
    await client.query(
      `WITH up AS (
         INSERT INTO ${kv} (key, value, expires, revision)
         SELECT * FROM unnest($2::bytea[], $3::bytea[], $4::bigint[], $5::bigint[])
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires, revision = excluded.revision
         RETURNING 1
       ), del AS (
         DELETE FROM ${kv} WHERE key = ANY($6::bytea[]) RETURNING 1
       ), ev AS (
         INSERT INTO ${events} (rev, idx, kind, key, value, expires, revision)
         SELECT $1::bigint, t.ord - 1, t.kind, t.key, t.value, t.expires, t.revision
           FROM unnest($7::smallint[], $8::bytea[], $9::bytea[], $10::bigint[], $11::bigint[])
                WITH ORDINALITY AS t(kind, key, value, expires, revision, ord)
         RETURNING 1
       )
       SELECT pg_notify($12, $1::bigint::text)`,
      [
        rev.toString(),
        puts.map((i) => enc(i.key)),
        puts.map((i) => enc(i.value)),
        puts.map((i) => i.expires ?? null),
        puts.map((i) => i.revision),
        dels,
        changes.map((c) => (c.type === 'put' ? PUT : DELETE)),
        changes.map((c) => enc(c.type === 'put' ? c.item.key : c.key)),
        changes.map((c) => (c.type === 'put' ? enc(c.item.value) : null)),
        changes.map((c) => (c.type === 'put' ? (c.item.expires ?? null) : null)),
        changes.map((c) => (c.type === 'put' ? c.item.revision : null)),
        channel,
      ],
    );
  }

  /** The live item at `key` as seen inside a transaction (or on the pool). */
  private async live(q: { query: PoolClient['query'] }, key: string): Promise<Item | undefined> {
    const res = await q.query<Row>(`SELECT value, expires, revision FROM ${this.n.kv} WHERE key = $1 AND ${LIVE}`, [
      enc(key),
      this.clock.now(),
    ]);
    return res.rows[0] ? toItem(key, res.rows[0]) : undefined;
  }

  private static put(item: ItemInput, rev: bigint): { change: Change; lease: Lease } {
    const stored: Item = { key: item.key, value: item.value, revision: rev.toString() };
    if (item.expires !== undefined) stored.expires = item.expires;
    return { change: { type: 'put', item: stored }, lease: { key: item.key, revision: stored.revision } };
  }

  /** Writes `item` once `pre` holds for the current state (checked inside the lock); no `pre`: unconditionally. */
  protected async writeIf(what: string, item: ItemInput, pre?: Precondition): Promise<Lease> {
    let lease: Lease | undefined;
    await this.tx(what, async (c, rev) => {
      if (pre) enforce(pre, await this.live(c, item.key));
      const w = PostgresBackend.put(item, rev);
      lease = w.lease;
      return [w.change];
    });
    return lease!;
  }

  /** Deletes the precondition's key once `pre` holds (checked inside the lock). */
  protected async removeIf(what: string, pre: Precondition): Promise<void> {
    await this.tx(what, async (c) => {
      enforce(pre, await this.live(c, pre.key));
      return [{ type: 'delete', key: pre.key }];
    });
  }

  async get(key: string): Promise<Item> {
    checkKey(key);
    const rows = await this.read<Row>('get', `SELECT value, expires, revision FROM ${this.n.kv} WHERE key = $1 AND ${LIVE}`, [
      enc(key),
      this.clock.now(),
    ]);
    if (!rows[0]) throw notFound(key);
    return toItem(key, rows[0]);
  }

  async put(item: ItemInput): Promise<Lease> {
    checkItem(item);
    return this.writeIf('put', item);
  }

  async deleteRange(startKey: string, endKey: string): Promise<void> {
    checkRange(startKey, endKey);
    await this.tx('deleteRange', async (c) => {
      const res = await c.query<{ key: Buffer }>(`SELECT key FROM ${this.n.kv} WHERE key >= $1 AND key < $2 ORDER BY key`, [
        enc(startKey),
        enc(endKey),
      ]);
      return res.rows.map((r): Change => ({ type: 'delete', key: r.key.toString('utf8') }));
    });
  }

  async getRange(startKey: string, endKey: string, limit?: number): Promise<Item[]> {
    checkRange(startKey, endKey, limit);
    const rows = await this.read<Row & { key: Buffer }>(
      'getRange',
      `SELECT key, value, expires, revision FROM ${this.n.kv}
        WHERE key >= $1 AND key < $3 AND ${LIVE} ORDER BY key LIMIT $4`,
      [enc(startKey), this.clock.now(), enc(endKey), limit ? limit : null],
    );
    return rows.map((r) => toItem(r.key.toString('utf8'), r));
  }

  async keepAlive(lease: Lease, expires: number): Promise<void> {
    const pre = preconditions.keepAlive(lease, expires);
    await this.tx('keepAlive', async (c) => {
      const cur = await this.live(c, lease.key);
      enforce(pre, cur);
      return [{ type: 'put', item: { ...cur!, expires } }];
    });
  }

  watch(options: WatchOptions): Watcher {
    this.ensureOpen();
    return this.fanout.watch(options);
  }

  /** Hands committed log rows to watchers, in log order. */
  private deliver(rows: EventRow[]): void {
    for (const r of rows) {
      const key = r.key.toString('utf8');
      if (r.kind === DELETE) {
        this.fanout.emit({ type: 'delete', key });
        continue;
      }
      const item: Item = { key, value: (r.value ?? Buffer.alloc(0)).toString('utf8'), revision: String(r.revision) };
      if (r.expires !== null) item.expires = Number(r.expires);
      this.fanout.emit({ type: 'put', item });
    }
  }

  /**
   * Deletes expired items (watchers see the deletes through the feed) and, now and then, prunes
   * the change log. Called by the sweeper; safe to call directly and from several auth servers.
   */
  async sweep(): Promise<void> {
    if (this.closed || this.sweeping) return;
    this.sweeping = true;
    try {
      const { kv, events, meta } = this.n;
      // Look before taking the write lock: most sweeps find nothing.
      const due = await this.pool.query(`SELECT 1 FROM ${kv} WHERE expires <= $1 LIMIT 1`, [this.clock.now()]);
      if (due.rows.length > 0 && !this.closed) {
        await this.tx('sweep', async (c) => {
          const res = await c.query<{ key: Buffer }>(`SELECT key FROM ${kv} WHERE expires <= $1 ORDER BY key`, [this.clock.now()]);
          return res.rows.map((r): Change => ({ type: 'delete', key: r.key.toString('utf8') }));
        });
      }
      if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS && !this.closed) {
        this.lastPrune = Date.now();
        await this.pool.query(
          `WITH d AS (DELETE FROM ${events} WHERE created < now() - make_interval(secs => $1) RETURNING rev)
           UPDATE ${meta} SET value = greatest(value, (SELECT max(rev) FROM d))
            WHERE name = 'pruned' AND EXISTS (SELECT 1 FROM d)`,
          [this.retentionMs / 1000],
        );
      }
    } catch (err) {
      if (!this.closed) this.logger.warn({ component: 'backend:postgres', error: (err as Error).message }, 'expiry sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sweeper?.stop();
    this.fanout.closeAll();
    this.cursor.close();
    await this.feed.close();
    await this.pool.end().catch(() => undefined);
  }
}
