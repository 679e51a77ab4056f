/**
 * The DynamoDB backend (the AWS choice of the tutorials), on `@aws-sdk/client-dynamodb`, using no
 * Streams, TTL or transactions (dynalite, our stand-in, has none): the table is created on first
 * start; items live in one partition ordered by key; every write is a conditional write ordered by
 * a sequence number (see change-log.ts) that also serves as the item's revision; expiry is checked
 * on every read and a sweeper deletes expired items; the watch feed polls the change log.
 */
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { systemClock } from '../../api/clock.js';
import type { Clock } from '../../api/clock.js';
import { clientConfig, ensureTable } from '../../dynamodb/index.js';
import type { ClientSettings, TableSettings } from '../../dynamodb/index.js';
import { BadParameterError, ConnectionProblemError } from '../../api/errors.js';
import { silentLogger } from '../../log/index.js';
import type { Logger } from '../../log/index.js';
import type { Backend, Item, ItemInput, Lease, Watcher, WatchOptions } from '../backend.js';
import { ExpiryIndex } from '../expiry-index.js';
import { FeedCursor } from '../feed-cursor.js';
import { ConditionalWrites } from '../conditional-writes.js';
import { checkItem, checkKey, checkRange, compareKeys, isExpired } from '../key-order.js';
import { notFound, preconditions, violation } from '../preconditions.js';
import type { Precondition } from '../preconditions.js';
import { DEFAULT_SWEEP_INTERVAL_MS, startSweeper } from '../sweeper.js';
import type { Sweeper } from '../sweeper.js';
import { WatchFanout } from '../watch-fanout.js';
import { ChangeLog } from './change-log.js';
import type { LogEvent } from './change-log.js';
import { MissingChunksError, deleteChunkSet, deleteChunkSets, needsChunks, readChunks, writeChunks } from './chunks.js';
import { ABSENT, LIVE, NEWER, SKIP, decodeStored, namesOf, valuesOf } from './items.js';
import type { Stored, Write } from './items.js';
import { A, B, ITEMS, LAYOUT, N, S, isConditionFailure, keyOf, toBackendError } from './table.js';

/** Options for DynamoBackend.open, after teleport.yaml's `storage` section was validated. */
export interface DynamoBackendOptions extends TableSettings, Omit<ClientSettings, 'useFipsEndpoint'> {
  /** `poll_stream_period`: how often the change log is polled for other instances' writes. */
  pollStreamPeriodMs?: number;
  /** How long a taken sequence number may stay unlogged before polling skips it (its writer died). */
  gapTimeoutMs?: number;
  /** How long the change log keeps events (a watcher further behind restarts). */
  eventRetentionMs?: number;
  clock?: Clock;
  sweepIntervalMs?: number;
  watchBufferLimit?: number;
  logger?: Logger;
}

/** Teleport's default poll_stream_period. */
export const DEFAULT_POLL_STREAM_PERIOD_MS = 1000;
const DEFAULT_GAP_TIMEOUT_MS = 5000;
const DEFAULT_RETENTION_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 30_000;
/** A write waits at most this long for its own event to reach local watchers. */
const WRITE_WAIT_MS = 3000;
const PAGE = 500;

/**
 * The condition that makes DynamoDB re-check `pre` when the write lands (the verdict checked it on
 * the item as read; a write in between fails the condition and the write is retried).
 */
function conditionOf(pre: Precondition): (cur: Stored | undefined) => [string, Record<string, AttributeValue>] {
  switch (pre.require) {
    case 'absent':
      return () => [ABSENT, {}];
    case 'live':
      return () => [LIVE, {}];
    case 'value':
      // The verdict compared the value (chunked values cannot be compared in a condition): require that version.
      return (cur) => [`${LIVE} AND #Seq = :seen`, { ':seen': N(cur?.seq ?? 0) }];
    case 'revision':
    case 'lease':
      return () => [`${LIVE} AND #Revision = :rev`, { ':rev': S(pre.revision) }];
  }
}

/** A Backend on one DynamoDB table. */
export class DynamoBackend extends ConditionalWrites implements Backend {
  readonly clock: Clock;
  private readonly fanout: WatchFanout;
  private readonly cursor = new FeedCursor(0n);
  private readonly expiring = new ExpiryIndex<number>();
  private readonly log: ChangeLog;
  private readonly logger: Logger;
  private readonly table: string;
  private sweeper: Sweeper | undefined;
  private closed = false;
  private sweeping = false;
  private lastPrune = Date.now();
  private readonly keyLocks = new Map<string, Promise<void>>();

  private constructor(
    private readonly client: DynamoDBClient,
    private readonly opts: DynamoBackendOptions,
  ) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.table = opts.tableName;
    this.fanout = new WatchFanout({ bufferLimit: opts.watchBufferLimit });
    this.log = new ChangeLog({
      client,
      table: this.table,
      cursor: this.cursor,
      pollIntervalMs: opts.pollStreamPeriodMs ?? DEFAULT_POLL_STREAM_PERIOD_MS,
      gapTimeoutMs: opts.gapTimeoutMs ?? DEFAULT_GAP_TIMEOUT_MS,
      onEvent: (e) => this.deliver(e),
      onGap: () => this.fanout.closeAll(),
      logger: this.logger,
    });
  }

  /**
   * Creates the table when missing (and waits until it is ACTIVE), learns the expiring items and
   * starts polling. Throws BadParameterError for a table of another key schema or an invalid
   * request, ConnectionProblemError when DynamoDB cannot be reached or refuses the credentials.
   */
  static async open(opts: DynamoBackendOptions): Promise<DynamoBackend> {
    if (!opts.tableName) throw new BadParameterError('DynamoDB: table_name is not specified');
    const client = new DynamoDBClient(clientConfig(opts));
    const b = new DynamoBackend(client, opts);
    try {
      await ensureTable(client, { ...opts, layout: LAYOUT, label: 'dynamodb backend', hint: 'use a table of its own' });
      b.cursor.advance(BigInt(await b.log.counter('seq')));
      await b.scanExpiring();
    } catch (err) {
      await b.close();
      throw toBackendError(err, `cannot use table ${opts.tableName}`);
    }
    b.sweeper = startSweeper(opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS, () => void b.sweep());
    b.log.kick();
    return b;
  }

  private ensureOpen(): void {
    if (this.closed) throw new ConnectionProblemError('dynamodb backend is closed');
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.ensureOpen();
    try {
      return await fn();
    } catch (err) {
      throw toBackendError(err, what);
    }
  }

  private async readStored(key: string): Promise<Stored | undefined> {
    const res = await this.client.send(new GetItemCommand({ TableName: this.table, Key: keyOf(ITEMS, key), ConsistentRead: true }));
    return res.Item ? decodeStored(res.Item) : undefined;
  }

  private isLive(s: Stored | undefined): s is Stored {
    return s !== undefined && !s.deleted && !isExpired(s.expires, this.clock.now());
  }

  private async readValue(s: { key?: string; value?: Buffer; chunks?: number; chunkSeq?: number }, key: string): Promise<string> {
    if (s.chunks !== undefined && s.chunkSeq !== undefined) {
      return (await readChunks(this.client, this.table, key, s.chunkSeq, s.chunks)).toString('utf8');
    }
    return (s.value ?? Buffer.alloc(0)).toString('utf8');
  }

  private async toItem(s: Stored): Promise<Item> {
    const item: Item = { key: s.key, value: await this.readValue(s, s.key), revision: s.revision ?? String(s.seq) };
    if (s.expires !== undefined) item.expires = s.expires;
    return item;
  }

  /** Reads every item once at start to learn which ones expire. */
  private async scanExpiring(): Promise<void> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#HashKey = :h',
          FilterExpression: 'attribute_exists(#ExpiresAt) AND attribute_not_exists(#Deleted)',
          ProjectionExpression: '#FullPath, #ExpiresAt, #Seq',
          ExpressionAttributeNames: namesOf('#HashKey #ExpiresAt #Deleted #FullPath #Seq'),
          ExpressionAttributeValues: { ':h': S(ITEMS) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const row of res.Items ?? []) {
        const s = decodeStored(row);
        this.expiring.set(s.key, s.expires, s.seq);
      }
      start = res.LastEvaluatedKey;
    } while (start);
  }

  /**
   * Runs one write: judges it on the current item, takes a sequence number, sends, and logs the
   * result (the event, or a no-op when DynamoDB refused it). A refusal caused by a newer write, or
   * by a change the verdict no longer objects to, is retried at a newer number. Resolves, with the
   * item written (undefined after SKIP), once local watchers have the event.
   */
  private async run(what: string, key: string, w: Write): Promise<Stored | undefined> {
    // Writes to one key from this instance go one at a time: racing them would only spend sequence
    // numbers on refusals (other instances still race; the conditions settle that).
    const prev = this.keyLocks.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chained = (prev ?? Promise.resolve()).then(() => mine);
    this.keyLocks.set(key, chained);
    try {
      await prev;
      return await this.runLocked(what, key, w);
    } finally {
      release();
      if (this.keyLocks.get(key) === chained) this.keyLocks.delete(key);
    }
  }

  private async runLocked(what: string, key: string, w: Write): Promise<Stored | undefined> {
    let cur = await this.call(what, () => this.readStored(key));
    for (;;) {
      const before = await this.call(what, async () => w.verdict(cur));
      if (before === SKIP) return undefined;
      if (before) throw before;
      const seq = await this.call(what, () => this.log.next());
      let written: Stored;
      try {
        written = await w.send(seq, cur);
      } catch (failure) {
        cur = await this.call(what, () => this.readStored(key));
        // An unclear failure (a timeout) may still have applied: the item tells.
        if (cur?.seq !== seq) {
          await this.log.noop(seq);
          await w.abandon?.(seq).catch(() => undefined);
          if (!isConditionFailure(failure)) throw toBackendError(failure, what);
          continue;
        }
        written = cur;
      }
      const e: LogEvent = written.deleted
        ? { seq, kind: 'delete', key }
        : {
            seq,
            kind: 'put',
            key,
            value: written.value,
            chunks: written.chunks,
            chunkSeq: written.chunkSeq,
            expires: written.expires,
            revision: written.revision,
          };
      await this.call(what, () => this.log.append(e));
      this.log.kick();
      await this.cursor.waitFor(BigInt(seq), WRITE_WAIT_MS);
      return written;
    }
  }

  /** Sends one conditional PutItem: `cond` besides ordering, with `:s` and `:now` bound. */
  private async conditionalPut(attrs: Record<string, AttributeValue>, seq: number, cond: string | undefined, values: Record<string, AttributeValue>): Promise<void> {
    const expr = cond ? `${NEWER} AND ${cond}` : NEWER;
    const all = { ...values, ':s': N(seq), ':now': N(this.clock.now()) };
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: attrs,
        ConditionExpression: expr,
        ExpressionAttributeNames: namesOf(expr),
        ExpressionAttributeValues: valuesOf(all, expr),
      }),
    );
  }

  /** A put-like write of `item`; `cond(cur)` gives the condition (besides ordering) and its values. */
  private async putItem(
    what: string,
    item: ItemInput,
    verdict: Write['verdict'],
    cond: (cur: Stored | undefined) => [string | undefined, Record<string, AttributeValue>],
  ): Promise<Lease> {
    const value = Buffer.from(item.value, 'utf8');
    const chunked = needsChunks(value);
    const written = await this.run(what, item.key, {
      verdict,
      send: async (seq, cur) => {
        const s: Stored = { key: item.key, seq, deleted: false, revision: String(seq) };
        if (chunked) {
          s.chunks = await writeChunks(this.client, this.table, item.key, seq, value);
          s.chunkSeq = seq;
        } else s.value = value;
        if (item.expires !== undefined) s.expires = item.expires;
        const attrs: Record<string, AttributeValue> = { ...keyOf(ITEMS, item.key), [A.seq]: N(seq), [A.revision]: S(s.revision!) };
        if (s.value) attrs[A.value] = B(s.value);
        if (s.chunks !== undefined) attrs[A.chunks] = N(s.chunks);
        if (s.chunkSeq !== undefined) attrs[A.chunkSeq] = N(s.chunkSeq);
        if (s.expires !== undefined) attrs[A.expires] = N(s.expires);
        const [expr, values] = cond(cur);
        await this.conditionalPut(attrs, seq, expr, values);
        return s;
      },
      abandon: chunked ? (seq) => deleteChunkSet(this.client, this.table, item.key, seq) : undefined,
    });
    if (!written) throw new ConnectionProblemError(`dynamodb backend: ${what} ${item.key} was not applied`);
    return { key: item.key, revision: written.revision! };
  }

  /** A delete of `key` (a tombstone, kept until the change log forgets its event). True when it applied. */
  private async deleteItem(
    what: string,
    key: string,
    verdict: Write['verdict'],
    cond: (cur: Stored | undefined) => [string, Record<string, AttributeValue>],
  ): Promise<boolean> {
    const written = await this.run(what, key, {
      verdict,
      send: async (seq, cur) => {
        const [expr, values] = cond(cur);
        await this.conditionalPut({ ...keyOf(ITEMS, key), [A.seq]: N(seq), [A.deleted]: { BOOL: true } }, seq, expr, values);
        return { key, seq, deleted: true };
      },
    });
    return written !== undefined;
  }

  /**
   * The verdict of `pre` on the stored item. The value is read (a chunked one fetched) only for a
   * value precondition; the others look at the revision alone.
   */
  private verdictOf(pre: Precondition): Write['verdict'] {
    return async (cur) => {
      if (!this.isLive(cur)) return violation(pre, undefined);
      const value = pre.require === 'value' ? await this.readValue(cur, pre.key) : '';
      return violation(pre, { value, revision: cur.revision ?? String(cur.seq) });
    };
  }

  protected async writeIf(what: string, item: ItemInput, pre: Precondition): Promise<Lease> {
    return this.putItem(what, item, this.verdictOf(pre), conditionOf(pre));
  }

  protected async removeIf(what: string, pre: Precondition): Promise<void> {
    await this.deleteItem(what, pre.key, this.verdictOf(pre), conditionOf(pre));
  }

  async get(key: string): Promise<Item> {
    checkKey(key);
    const s = await this.call('get', () => this.readStored(key));
    if (!this.isLive(s)) throw notFound(key);
    return this.call('get', () => this.toItem(s));
  }

  async put(item: ItemInput): Promise<Lease> {
    checkItem(item);
    return this.putItem('put', item, () => undefined, () => [undefined, {}]);
  }

  /** Stored items (tombstones left out) with keys in [start, end), in key order. `live` also drops expired ones. */
  private async scan(start: string, end: string, live: boolean, limit = Infinity): Promise<Stored[]> {
    const out: Stored[] = [];
    if (compareKeys(start, end) >= 0) return out;
    const keyCond = start === '' ? '#HashKey = :h' : '#HashKey = :h AND #FullPath >= :start';
    const filter = live ? `attribute_not_exists(#Deleted) AND (attribute_not_exists(#ExpiresAt) OR #ExpiresAt > :now)` : 'attribute_not_exists(#Deleted)';
    const all = { ':h': S(ITEMS), ':start': S(start), ':now': N(this.clock.now()) };
    let from: Record<string, AttributeValue> | undefined;
    for (;;) {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: keyCond,
          FilterExpression: filter,
          ExpressionAttributeNames: namesOf(keyCond, filter),
          ExpressionAttributeValues: valuesOf(all, keyCond, filter),
          ConsistentRead: true,
          Limit: Number.isFinite(limit) ? Math.min(PAGE, limit - out.length + 8) : PAGE,
          ExclusiveStartKey: from,
        }),
      );
      for (const row of res.Items ?? []) {
        const s = decodeStored(row);
        if (compareKeys(s.key, end) >= 0) return out;
        out.push(s);
        if (out.length >= limit) return out;
      }
      from = res.LastEvaluatedKey;
      if (!from || compareKeys(from[A.path]?.S ?? '', end) >= 0) return out;
    }
  }

  async deleteRange(startKey: string, endKey: string): Promise<void> {
    checkRange(startKey, endKey);
    const doomed = await this.call('deleteRange', () => this.scan(startKey, endKey, false));
    for (const s of doomed) {
      // Whatever version is there (expired ones too); an item deleted meanwhile is left alone.
      await this.deleteItem(
        'deleteRange',
        s.key,
        (cur) => (cur && !cur.deleted ? undefined : SKIP),
        () => ['attribute_exists(#Seq) AND attribute_not_exists(#Deleted)', {}],
      );
    }
  }

  async getRange(startKey: string, endKey: string, limit?: number): Promise<Item[]> {
    checkRange(startKey, endKey, limit);
    const rows = await this.call('getRange', () => this.scan(startKey, endKey, true, limit ? limit : Infinity));
    return this.call('getRange', () => Promise.all(rows.map((s) => this.toItem(s))));
  }

  async keepAlive(lease: Lease, expires: number): Promise<void> {
    const verdict = this.verdictOf(preconditions.keepAlive(lease, expires));
    const expr = `${NEWER} AND ${LIVE} AND #Revision = :rev`;
    await this.run('keepAlive', lease.key, {
      verdict,
      send: async (seq) => {
        const update = 'SET #ExpiresAt = :e, #Seq = :s';
        const all = { ':s': N(seq), ':now': N(this.clock.now()), ':rev': S(lease.revision), ':e': N(expires) };
        const res = await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: keyOf(ITEMS, lease.key),
            UpdateExpression: update,
            ConditionExpression: expr,
            ExpressionAttributeNames: namesOf(update, expr),
            ExpressionAttributeValues: valuesOf(all, update, expr),
            ReturnValues: 'ALL_NEW',
          }),
        );
        return decodeStored(res.Attributes ?? {});
      },
    });
  }

  watch(options: WatchOptions): Watcher {
    this.ensureOpen();
    return this.fanout.watch(options);
  }

  /** Hands one log event to watchers (reading a chunked value first) and tracks expiries. */
  private async deliver(e: LogEvent): Promise<void> {
    const key = e.key ?? '';
    if (e.kind === 'delete') {
      this.expiring.delete(key);
      this.fanout.emit({ type: 'delete', key });
      return;
    }
    let value: string;
    try {
      value = await this.readValue(e, key);
    } catch (err) {
      if (!(err instanceof MissingChunksError)) throw err; // a read failure: the next poll retries
      // This instance fell so far behind that the value was pruned: its watchers start over.
      this.logger.warn({ component: 'backend:dynamodb', key, seq: e.seq }, 'value of a change was pruned before it was read; watchers restart');
      this.fanout.closeAll();
      return;
    }
    const item: Item = { key, value, revision: e.revision ?? String(e.seq) };
    if (e.expires !== undefined) item.expires = e.expires;
    this.expiring.set(key, e.expires, e.seq);
    this.fanout.emit({ type: 'put', item });
  }

  /**
   * Deletes the items whose expiry passed on the clock (each only in the version seen expiring) and,
   * now and then, prunes the change log. Called by the sweeper; safe to call directly.
   */
  async sweep(): Promise<void> {
    if (this.closed || this.sweeping) return;
    this.sweeping = true;
    try {
      const due = this.expiring.due(this.clock.now()).sort((x, y) => compareKeys(x.key, y.key));
      for (const d of due) {
        if (this.closed) return;
        const done = await this.deleteItem(
          'sweep',
          d.key,
          (cur) => (cur && !cur.deleted && cur.seq === d.token && isExpired(cur.expires, this.clock.now()) ? undefined : SKIP),
          () => ['#Seq = :seen AND #ExpiresAt <= :now', { ':seen': N(d.token) }],
        );
        // Lost to a newer write or another sweeper: the log brings the key's new state; stop trying this version.
        if (!done) this.expiring.forget(d.key, d.token);
      }
      if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS && !this.closed) await this.prune();
    } catch (err) {
      if (!this.closed) this.logger.warn({ component: 'backend:dynamodb', error: (err as Error).message }, 'expiry sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Removes change log events older than the retention, with the tombstones and chunk sets only
   * they referred to. The sweeper calls it every 30 s; safe to call from several instances.
   */
  async prune(): Promise<void> {
    this.ensureOpen();
    this.lastPrune = Date.now();
    await this.call('prune', () => this.log.prune(this.opts.eventRetentionMs ?? DEFAULT_RETENTION_MS, (events) => this.collect(events)));
  }

  /** Before the log forgets `events`: drop tombstones they left and chunk sets no one can read any more. */
  private async collect(events: LogEvent[]): Promise<void> {
    // Per key, the newest pruned event decides which chunk sets nobody can read any more.
    const newest = new Map<string, number>();
    for (const e of events) if (e.key !== undefined && e.kind !== 'noop') newest.set(e.key, Math.max(newest.get(e.key) ?? 0, e.seq));
    for (const [key, seq] of newest) {
      await deleteChunkSets(this.client, this.table, key, seq, async () => (await this.readStored(key))?.chunkSeq);
    }
    for (const e of events) {
      if (e.kind === 'delete' && e.key !== undefined) {
        // The tombstone, if it is still this delete's: it kept older writes from landing after it.
        await this.client
          .send(
            new DeleteItemCommand({
              TableName: this.table,
              Key: keyOf(ITEMS, e.key),
              ConditionExpression: '#Seq = :seq AND attribute_exists(#Deleted)',
              ExpressionAttributeNames: { '#Deleted': A.deleted, '#Seq': A.seq },
              ExpressionAttributeValues: { ':seq': N(e.seq) },
            }),
          )
          .catch((err: unknown) => {
            if (!isConditionFailure(err)) throw err;
          });
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sweeper?.stop();
    this.log.close();
    this.fanout.closeAll();
    this.cursor.close();
    this.client.destroy();
  }
}
