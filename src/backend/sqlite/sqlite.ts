/**
 * The SQLite backend (the embedded default store) on better-sqlite3. Keys are BLOBs compared in
 * byte order; revisions come from a counter persisted in the database; watchers are fed in process
 * after each committed write, so they see writes made through this instance only.
 */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { systemClock } from '../../api/clock.js';
import type { Clock } from '../../api/clock.js';
import { ConnectionProblemError } from '../../api/errors.js';
import type { Backend, BackendEvent, Item, ItemInput, Lease, Watcher, WatchOptions } from '../backend.js';
import { ConditionalWrites } from '../conditional-writes.js';
import { checkItem, checkKey, checkRange } from '../key-order.js';
import { enforce, notFound, preconditions } from '../preconditions.js';
import type { Precondition } from '../preconditions.js';
import { DEFAULT_SWEEP_INTERVAL_MS, startSweeper } from '../sweeper.js';
import type { Sweeper } from '../sweeper.js';
import { WatchFanout } from '../watch-fanout.js';
import { openDatabase, type SqlitePragmas } from './open-db.js';

/**
 * Options for SqliteBackend.open: the file (or `:memory:`), the expiry clock, the sweep interval, the
 * watch buffer, and `storage.sync` / `storage.journal` as pragmas.
 */
export interface SqliteBackendOptions extends SqlitePragmas {
  path: string;
  clock?: Clock;
  sweepIntervalMs?: number;
  watchBufferLimit?: number;
}

interface Row {
  key: Buffer;
  value: string;
  expires: number | null;
  revision: number;
}

type Change = Exclude<BackendEvent, { type: 'init' }>;

const enc = (k: string): Buffer => Buffer.from(k, 'utf8');

function toItem(r: Row): Item {
  const item: Item = { key: r.key.toString('utf8'), value: r.value, revision: String(r.revision) };
  if (r.expires !== null) item.expires = r.expires;
  return item;
}

const LIVE = '(expires IS NULL OR expires > @now)';

/** A Backend on one SQLite file. Statements run synchronously inside each promise, so each operation is atomic. */
export class SqliteBackend extends ConditionalWrites implements Backend {
  readonly clock: Clock;
  private readonly fanout: WatchFanout;
  private readonly sweeper: Sweeper;
  private closed = false;
  private readonly st: Record<
    'live' | 'upsert' | 'bump' | 'del' | 'range' | 'rangeKeys' | 'delRange' | 'expired' | 'setExpires',
    Statement
  >;

  private constructor(
    private readonly db: Db,
    readonly path: string,
    opts: SqliteBackendOptions,
  ) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.fanout = new WatchFanout({ bufferLimit: opts.watchBufferLimit });
    this.st = {
      live: db.prepare(`SELECT key, value, expires, revision FROM kv WHERE key = @key AND ${LIVE}`),
      upsert: db.prepare(
        `INSERT INTO kv (key, value, expires, revision) VALUES (@key, @value, @expires, @revision)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires, revision = excluded.revision`,
      ),
      bump: db.prepare(`UPDATE meta SET value = value + 1 WHERE name = 'revision' RETURNING value`),
      del: db.prepare(`DELETE FROM kv WHERE key = @key`),
      range: db.prepare(
        `SELECT key, value, expires, revision FROM kv WHERE key >= @start AND key < @end AND ${LIVE} ORDER BY key LIMIT @limit`,
      ),
      rangeKeys: db.prepare(`SELECT key FROM kv WHERE key >= @start AND key < @end ORDER BY key`),
      delRange: db.prepare(`DELETE FROM kv WHERE key >= @start AND key < @end`),
      expired: db.prepare(`SELECT key FROM kv WHERE expires IS NOT NULL AND expires <= @now ORDER BY key`),
      setExpires: db.prepare(`UPDATE kv SET expires = @expires WHERE key = @key`),
    };
    this.sweeper = startSweeper(opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS, () => this.sweep());
  }

  /**
   * Opens (creating directory, file and schema as needed) the database at `opts.path`; `:memory:` is allowed.
   * Throws BadParameterError naming the path when the file is not a SQLite database, ConnectionProblemError when it cannot be opened.
   */
  static async open(opts: SqliteBackendOptions): Promise<SqliteBackend> {
    return new SqliteBackend(openDatabase(opts.path, { sync: opts.sync, journal: opts.journal }), opts.path, opts);
  }

  private ensureOpen(): void {
    if (this.closed) throw new ConnectionProblemError(`sqlite backend ${this.path} is closed`);
  }

  /**
   * Runs `fn` in an IMMEDIATE transaction and, once it committed, hands its changes to watchers.
   * Events are emitted only after COMMIT so a rolled-back write is never seen.
   */
  private tx<T>(fn: (changes: Change[]) => T): T {
    const changes: Change[] = [];
    const result = this.guard(() => this.db.transaction(() => fn(changes)).immediate());
    for (const c of changes) this.fanout.emit(c);
    return result;
  }

  /** Runs `fn` on the open database; SQLite failures (busy, I/O, full disk) become ConnectionProblemError. */
  private guard<T>(fn: () => T): T {
    this.ensureOpen();
    try {
      return fn();
    } catch (err) {
      if (err instanceof Database.SqliteError) {
        throw new ConnectionProblemError(`sqlite backend ${this.path}: ${err.code}: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  private live(k: string): Item | undefined {
    const row = this.st.live.get({ key: enc(k), now: this.clock.now() }) as Row | undefined;
    return row ? toItem(row) : undefined;
  }

  private write(input: ItemInput, changes: Change[]): Lease {
    const { value: revision } = this.st.bump.get() as { value: number };
    const row = { key: enc(input.key), value: input.value, expires: input.expires ?? null, revision };
    this.st.upsert.run(row);
    changes.push({ type: 'put', item: toItem(row) });
    return { key: input.key, revision: String(revision) };
  }

  private remove(k: string, changes: Change[]): void {
    this.st.del.run({ key: enc(k) });
    changes.push({ type: 'delete', key: k });
  }

  /** Writes `item` in a transaction once `pre` holds (else throws its typed error). */
  protected async writeIf(_what: string, item: ItemInput, pre: Precondition): Promise<Lease> {
    return this.tx((ch) => {
      enforce(pre, this.live(pre.key));
      return this.write(item, ch);
    });
  }

  /** Deletes the precondition's key in a transaction once `pre` holds. */
  protected async removeIf(_what: string, pre: Precondition): Promise<void> {
    this.tx((ch) => {
      enforce(pre, this.live(pre.key));
      this.remove(pre.key, ch);
    });
  }

  async get(key: string): Promise<Item> {
    checkKey(key);
    const item = this.guard(() => this.live(key));
    if (!item) throw notFound(key);
    return item;
  }

  async put(item: ItemInput): Promise<Lease> {
    checkItem(item);
    return this.tx((ch) => this.write(item, ch));
  }

  async deleteRange(startKey: string, endKey: string): Promise<void> {
    checkRange(startKey, endKey);
    const bounds = { start: enc(startKey), end: enc(endKey) };
    this.tx((ch) => {
      const keys = this.st.rangeKeys.all(bounds) as { key: Buffer }[];
      this.st.delRange.run(bounds);
      for (const r of keys) ch.push({ type: 'delete', key: r.key.toString('utf8') });
    });
  }

  async getRange(startKey: string, endKey: string, limit?: number): Promise<Item[]> {
    checkRange(startKey, endKey, limit);
    const bind = { start: enc(startKey), end: enc(endKey), now: this.clock.now(), limit: limit ? limit : -1 };
    const rows = this.guard(() => this.st.range.all(bind) as Row[]);
    return rows.map(toItem);
  }

  async keepAlive(lease: Lease, expires: number): Promise<void> {
    const pre = preconditions.keepAlive(lease, expires);
    this.tx((ch) => {
      const cur = this.live(lease.key);
      enforce(pre, cur);
      this.st.setExpires.run({ key: enc(lease.key), expires });
      ch.push({ type: 'put', item: { ...cur!, expires } });
    });
  }

  watch(options: WatchOptions): Watcher {
    this.ensureOpen();
    return this.fanout.watch(options);
  }

  /** Deletes expired items and tells watchers. Called by the sweeper; safe to call directly. */
  sweep(): void {
    if (this.closed) return;
    // Look before taking the write lock: most sweeps find nothing.
    if (this.st.expired.get({ now: this.clock.now() }) === undefined) return;
    this.tx((ch) => {
      const rows = this.st.expired.all({ now: this.clock.now() }) as { key: Buffer }[];
      for (const r of rows) this.remove(r.key.toString('utf8'), ch);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sweeper.stop();
    this.fanout.closeAll();
    this.db.close();
  }
}
