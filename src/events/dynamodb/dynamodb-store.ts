/**
 * Audit events in DynamoDB (`audit_events_uri: dynamodb://table`), shared by every auth server that
 * names the table (see events-table.ts for the layout). A search by session reads that session's
 * partition; any other search walks the days that have events (from the days partition) through
 * the time index, one query per day in the search's order, with DynamoDB filters for types and
 * user. Every page is also checked against the query here, so a filter DynamoDB cannot express
 * costs reads, never correctness. Needs no Streams, TTL or transactions (dynalite has none).
 */
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, QueryCommandInput, QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import type { AuditEvent, SearchEventsResponse } from '../../api/audit-wire.js';
import { systemClock, type Clock } from '../../api/clock.js';
import { BadParameterError, ConnectionProblemError } from '../../api/errors.js';
import { clientConfig } from '../../dynamodb/index.js';
import type { ClientSettings } from '../../dynamodb/index.js';
import { silentLogger, type Logger } from '../../log/index.js';
import type { EventStore } from '../audit-log.js';
import { DEFAULT_NAMESPACE } from '../event.js';
import { matchesQuery, pageOf, type EventQuery } from '../query.js';
import { fromAttribute, toAttribute } from './attribute-codec.js';
import { A, DAYS_PARTITION, TIME_INDEX, ensureEventsTable, timeKey, toStoreError, type EventsTableOptions } from './events-table.js';

/** Options of DynamoEventStore.open: a parsed dynamodb:// URI plus the storage section's AWS settings. */
export interface DynamoEventStoreOptions extends EventsTableOptions, ClientSettings {
  /** How long events are kept (their `Expires`); default one year, as Teleport. */
  retentionMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Teleport's default retention of audit events in DynamoDB. */
export const DEFAULT_RETENTION_MS = 365 * 24 * 3_600_000;
const DAY_MS = 24 * 3_600_000;
/** DynamoDB's limit on the values of one IN. */
const MAX_IN = 100;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });

/** The part of a search DynamoDB runs: a partition (of the table or the time index) and key bounds. */
interface Scope {
  index?: string;
  partitionAttr: string;
  partition: string;
  /** Inclusive TimeKey bounds. */
  lo?: string;
  hi?: string;
}

/** Events in one DynamoDB table. `close()` releases the client; safe twice. */
export class DynamoEventStore implements EventStore {
  readonly uri: string;
  private readonly clock: Clock;
  private readonly table: string;
  /** Days this process has recorded in the days partition (or is recording). */
  private readonly days = new Map<string, Promise<void>>();
  private closed = false;

  private constructor(
    private readonly client: DynamoDBClient,
    private readonly opts: DynamoEventStoreOptions,
  ) {
    this.table = opts.tableName;
    this.clock = opts.clock ?? systemClock;
    const q = new URLSearchParams();
    if (opts.region) q.set('region', opts.region);
    if (opts.endpoint) q.set('endpoint', opts.endpoint);
    this.uri = `dynamodb://${opts.tableName}${q.size ? `?${q.toString()}` : ''}`;
  }

  /**
   * Creates the table when missing and checks it. Throws BadParameterError for a table of another
   * layout or a missing region, ConnectionProblemError when DynamoDB cannot be reached.
   */
  static async open(opts: DynamoEventStoreOptions): Promise<DynamoEventStore> {
    const client = new DynamoDBClient(clientConfig(opts));
    try {
      await ensureEventsTable(client, opts, (opts.logger ?? silentLogger).child({ component: 'audit:dynamodb' }));
    } catch (err) {
      client.destroy();
      throw toStoreError(err, `cannot use table ${opts.tableName}`);
    }
    return new DynamoEventStore(client, opts);
  }

  /** Stores `e` (after its day is listed); writing the same event again rewrites the same item. */
  async write(e: AuditEvent): Promise<void> {
    const ms = Date.parse(e.time);
    if (Number.isNaN(ms) || typeof e.uid !== 'string' || e.uid === '') throw new BadParameterError(`audit event ${e.event}: needs a time and a uid`);
    const key = timeKey(ms, e.uid);
    const day = key.slice(0, 10);
    await this.listDay(day);
    const item: Record<string, AttributeValue> = {
      // Events outside a session get a partition of their own (their uid), as Teleport does.
      [A.session]: S(e.sid || e.uid),
      [A.timeKey]: S(key),
      [A.date]: S(day),
      [A.createdAt]: N(Math.floor(ms / 1000)),
      [A.index]: N(typeof e.ei === 'number' ? e.ei : 0),
      [A.type]: S(e.event),
      [A.namespace]: S(DEFAULT_NAMESPACE),
      [A.fields]: toAttribute(JSON.parse(JSON.stringify(e))),
      [A.expires]: N(Math.floor((this.clock.now() + (this.opts.retentionMs ?? DEFAULT_RETENTION_MS)) / 1000)),
    };
    await this.put('write an event', item);
  }

  async search(q: EventQuery): Promise<SearchEventsResponse> {
    const want = q.limit + 1;
    let lo = Number.isFinite(q.fromMs) ? timeKey(q.fromMs, '') : undefined;
    // Keys at `toMs` are `<iso(toMs)>/<uid>`, above this inclusive bound: the range stays exclusive.
    let hi = Number.isFinite(q.toMs) ? timeKey(q.toMs, '') : undefined;
    if (q.after) {
      // Inclusive of the cursor's own event; matchesQuery drops it.
      const at = timeKey(q.after.timeMs, q.after.uid);
      if (q.order === 'asc') lo = lo === undefined || at > lo ? at : lo;
      else hi = hi === undefined || at < hi ? at : hi;
    }
    const out: AuditEvent[] = [];
    if (lo !== undefined && hi !== undefined && lo > hi) return pageOf(out, q.limit);
    if (q.sid !== undefined) {
      await this.collect({ partitionAttr: A.session, partition: q.sid, lo, hi }, q, out, want);
    } else {
      for await (const day of this.listedDays(lo?.slice(0, 10), hi?.slice(0, 10), q.order === 'asc')) {
        await this.collect({ index: TIME_INDEX, partitionAttr: A.date, partition: day, lo, hi }, q, out, want);
        if (out.length >= want) break;
      }
    }
    return pageOf(out.slice(0, want), q.limit);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.client.destroy();
    }
    return Promise.resolve();
  }

  /** Records `day` in the days partition once per process; concurrent writers share the request. */
  private listDay(day: string): Promise<void> {
    let p = this.days.get(day);
    if (!p) {
      // Outlives the day's last event, so an open-ended search finds every event still stored.
      const expires = Math.floor((this.clock.now() + (this.opts.retentionMs ?? DEFAULT_RETENTION_MS) + 2 * DAY_MS) / 1000);
      p = this.put('list a day', { [A.session]: S(DAYS_PARTITION), [A.timeKey]: S(day), [A.expires]: N(expires) }).catch((err: unknown) => {
        this.days.delete(day);
        throw err;
      });
      this.days.set(day, p);
    }
    return p;
  }

  /** The days with events between `from` and `to` (inclusive, either open), in order. */
  private async *listedDays(from: string | undefined, to: string | undefined, ascending: boolean): AsyncGenerator<string> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.query('list days', {
        ScanIndexForward: ascending,
        ExclusiveStartKey: start,
        Limit: 100,
        ...keyCondition({ partitionAttr: A.session, partition: DAYS_PARTITION, lo: from, hi: to }),
      });
      for (const item of page.Items ?? []) {
        const day = item[A.timeKey]?.S;
        // An event whose session ID is the days partition's name lands here too: skip it.
        if (day && DAY.test(day)) yield day;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /** Appends to `out` the events of `scope` that match `q`, in `q.order`, until it holds `want`. */
  private async collect(scope: Scope, q: EventQuery, out: AuditEvent[], want: number): Promise<void> {
    const filter = filterOf(q, scope.partitionAttr === A.session);
    let start: Record<string, AttributeValue> | undefined;
    do {
      const key = keyCondition(scope);
      const page = await this.query('search events', {
        IndexName: scope.index,
        ScanIndexForward: q.order === 'asc',
        ExclusiveStartKey: start,
        // Unfiltered, a page is what is still wanted (plus the cursor's own event); filtered, DynamoDB's own page size.
        Limit: filter ? undefined : want - out.length + 1,
        KeyConditionExpression: key.KeyConditionExpression,
        ExpressionAttributeNames: { ...key.ExpressionAttributeNames, ...filter?.names },
        ExpressionAttributeValues: { ...key.ExpressionAttributeValues, ...filter?.values },
        ...(filter && { FilterExpression: filter.expression }),
      });
      for (const item of page.Items ?? []) {
        const fields = item[A.fields];
        if (!fields?.M) continue;
        const e = fromAttribute(fields) as AuditEvent;
        if (matchesQuery(q, e)) out.push(e);
        if (out.length >= want) return;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }

  private async put(what: string, item: Record<string, AttributeValue>): Promise<void> {
    this.ensureOpen(what);
    try {
      await this.client.send(new PutItemCommand({ TableName: this.table, Item: item }));
    } catch (err) {
      throw toStoreError(err, what);
    }
  }

  private async query(what: string, input: Omit<QueryCommandInput, 'TableName'>): Promise<QueryCommandOutput> {
    this.ensureOpen(what);
    try {
      return await this.client.send(new QueryCommand({ TableName: this.table, ...input }));
    } catch (err) {
      throw toStoreError(err, what);
    }
  }

  private ensureOpen(what: string): void {
    if (this.closed) throw new ConnectionProblemError(`audit events (dynamodb): cannot ${what}: the store is closed`);
  }
}

/** The key condition of a scope, with its names and values. */
function keyCondition(s: Scope): Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  const names: Record<string, string> = { '#p': s.partitionAttr };
  const values: Record<string, AttributeValue> = { ':p': S(s.partition) };
  let expr = '#p = :p';
  if (s.lo !== undefined || s.hi !== undefined) names['#k'] = A.timeKey;
  if (s.lo !== undefined) values[':lo'] = S(s.lo);
  if (s.hi !== undefined) values[':hi'] = S(s.hi);
  if (s.lo !== undefined && s.hi !== undefined) expr += ' AND #k BETWEEN :lo AND :hi';
  else if (s.lo !== undefined) expr += ' AND #k >= :lo';
  else if (s.hi !== undefined) expr += ' AND #k <= :hi';
  return { KeyConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

/** DynamoDB's share of the filtering (types, user, and the session within its partition); undefined when none. */
function filterOf(q: EventQuery, bySession: boolean): { expression: string; names: Record<string, string>; values: Record<string, AttributeValue> } | undefined {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  if (q.types.length > 0 && q.types.length <= MAX_IN) {
    names['#type'] = A.type;
    q.types.forEach((t, i) => (values[`:t${i}`] = S(t)));
    parts.push(`#type IN (${q.types.map((_, i) => `:t${i}`).join(', ')})`);
  }
  if (q.user !== undefined || (bySession && q.sid !== undefined)) names['#f'] = A.fields;
  if (q.user !== undefined) {
    names['#user'] = 'user';
    values[':user'] = S(q.user);
    parts.push('#f.#user = :user');
  }
  if (bySession && q.sid !== undefined) {
    // The partition also holds events without a session whose uid equals this session ID.
    names['#sid'] = 'sid';
    values[':sid'] = S(q.sid);
    parts.push('#f.#sid = :sid');
  }
  return parts.length === 0 ? undefined : { expression: parts.join(' AND '), names, values };
}
