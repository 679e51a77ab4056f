/**
 * The DynamoDB watch feed without Streams (dynalite has none, and correctness must not hang on
 * them): every write takes a number from an atomic counter first, applies itself only over older
 * numbers, then appends its event under that number to the log partition; a write that does not
 * apply appends a `noop`. Each instance polls the log in number order. A number whose event is
 * missing is an in-flight write: polling waits for it, and after `gapTimeoutMs` (the writer died)
 * skips it; a number already pruned from the log means watchers missed events and must restart.
 */
import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../../log/index.js';
import { batchWrite } from './chunks.js';
import type { FeedCursor } from '../feed-cursor.js';
import { A, B, EVENTS, META, N, S, keyOf, pad } from './table.js';

/** One log entry. `put` carries the value inline or names its chunk set. */
export interface LogEvent {
  seq: number;
  kind: 'put' | 'delete' | 'noop';
  key?: string;
  value?: Buffer;
  chunks?: number;
  chunkSeq?: number;
  expires?: number;
  revision?: string;
  /** Real time the event was written (for pruning). */
  created?: number;
}

/** Options for ChangeLog. */
export interface ChangeLogOptions {
  client: DynamoDBClient;
  table: string;
  cursor: FeedCursor;
  pollIntervalMs: number;
  gapTimeoutMs: number;
  /** Delivers one event (awaited, in order). */
  onEvent: (e: LogEvent) => Promise<void>;
  /** Events were pruned before this instance read them: watchers must restart. */
  onGap: () => void;
  logger: Logger;
}

const PAGE = 500;
/** While a gap is open, poll this often (the missing write is usually milliseconds away). */
const GAP_POLL_MS = 20;
/** Events pruned per page, and pages per prune (the rest waits for the next one). */
const PRUNE_PAGE = 100;
const PRUNE_PAGES = 50;

function num(v: AttributeValue | undefined): number | undefined {
  return v?.N === undefined ? undefined : Number(v.N);
}

/** Reads a log entry from its item. */
export function decodeEvent(item: Record<string, AttributeValue>): LogEvent {
  const e: LogEvent = { seq: Number(item[A.path]?.S), kind: (item[A.kind]?.S ?? 'noop') as LogEvent['kind'] };
  if (item[A.key]?.S !== undefined) e.key = item[A.key].S;
  const value = item[A.value]?.B;
  if (value !== undefined) e.value = Buffer.from(value);
  e.chunks = num(item[A.chunks]);
  e.chunkSeq = num(item[A.chunkSeq]);
  e.expires = num(item[A.expires]);
  if (item[A.revision]?.S !== undefined) e.revision = item[A.revision].S;
  e.created = num(item[A.created]);
  return e;
}

function encodeEvent(e: LogEvent): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = { ...keyOf(EVENTS, pad(e.seq)), [A.kind]: S(e.kind), [A.created]: N(Date.now()) };
  if (e.key !== undefined) item[A.key] = S(e.key);
  if (e.value !== undefined) item[A.value] = B(e.value);
  if (e.chunks !== undefined) item[A.chunks] = N(e.chunks);
  if (e.chunkSeq !== undefined) item[A.chunkSeq] = N(e.chunkSeq);
  if (e.expires !== undefined) item[A.expires] = N(e.expires);
  if (e.revision !== undefined) item[A.revision] = S(e.revision);
  return item;
}

/** The counter, the log writer and this instance's poller. */
export class ChangeLog {
  private closed = false;
  private reading = false;
  private again = false;
  private gap: { at: number; since: number } | undefined;
  private readonly timer: NodeJS.Timeout;
  private soon: NodeJS.Timeout | undefined;

  constructor(private readonly o: ChangeLogOptions) {
    this.timer = setInterval(() => this.kick(), o.pollIntervalMs);
    this.timer.unref();
  }

  /** The current value of counter `name` (0 when never set). */
  async counter(name: 'seq' | 'pruned'): Promise<number> {
    const res = await this.o.client.send(new GetItemCommand({ TableName: this.o.table, Key: keyOf(META, name), ConsistentRead: true }));
    return num(res.Item?.[A.n]) ?? 0;
  }

  /** Takes the next sequence number. */
  async next(): Promise<number> {
    const res = await this.o.client.send(
      new UpdateItemCommand({
        TableName: this.o.table,
        Key: keyOf(META, 'seq'),
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': A.n },
        ExpressionAttributeValues: { ':one': N(1) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(res.Attributes?.[A.n]?.N);
  }

  /** Appends the event of an applied write. */
  async append(e: LogEvent): Promise<void> {
    await this.o.client.send(new PutItemCommand({ TableName: this.o.table, Item: encodeEvent(e) }));
  }

  /** Marks `seq` as taken by a write that did not apply; best effort (a gap times out anyway). */
  async noop(seq: number): Promise<void> {
    await this.append({ seq, kind: 'noop' }).catch((err: unknown) => {
      this.o.logger.warn({ component: 'backend:dynamodb', seq, error: (err as Error).message }, 'cannot log a no-op');
    });
  }

  /** Polls now (coalesced with a poll in progress). */
  kick(): void {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.pollLoop().finally(() => {
      this.reading = false;
    });
  }

  private async pollLoop(): Promise<void> {
    do {
      this.again = false;
      try {
        if (await this.readOnce()) this.again = true;
      } catch (err) {
        if (!this.closed) this.o.logger.warn({ component: 'backend:dynamodb', error: (err as Error).message }, 'change log poll failed');
        return;
      }
    } while (this.again && !this.closed);
  }

  private pollSoon(): void {
    if (this.soon || this.closed) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.kick();
    }, GAP_POLL_MS);
    this.soon.unref();
  }

  /** Reads and delivers one page past the cursor; true when there may be more. */
  private async readOnce(): Promise<boolean> {
    const { client, table, cursor } = this.o;
    const from = Number(cursor.position);
    const res = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#h = :h AND #p > :p',
        ExpressionAttributeNames: { '#h': A.hash, '#p': A.path },
        ExpressionAttributeValues: { ':h': S(EVENTS), ':p': S(pad(from)) },
        ConsistentRead: true,
        Limit: PAGE,
      }),
    );
    let expect = from + 1;
    for (const row of res.Items ?? []) {
      if (this.closed) return false;
      const e = decodeEvent(row);
      if (e.seq !== expect) {
        if (this.gap?.at !== expect) this.gap = { at: expect, since: Date.now() };
        if (Date.now() - this.gap.since < this.o.gapTimeoutMs) {
          this.pollSoon();
          return false;
        }
        const pruned = await this.counter('pruned');
        if (pruned >= expect) {
          this.o.logger.warn({ component: 'backend:dynamodb', from: expect }, 'change log pruned past this instance; watchers restart');
          this.o.onGap();
        } else {
          this.o.logger.warn({ component: 'backend:dynamodb', from: expect, to: e.seq - 1 }, 'skipping sequence numbers no writer logged');
        }
        this.gap = undefined;
        cursor.advance(BigInt(e.seq - 1));
        expect = e.seq;
      }
      if (e.kind !== 'noop') await this.o.onEvent(e);
      cursor.advance(BigInt(e.seq));
      expect++;
    }
    return res.LastEvaluatedKey !== undefined;
  }

  /**
   * Removes events older than `retentionMs` (after `gc` cleaned what they referred to), oldest
   * first, raising the `pruned` mark before deleting so pollers can tell pruning from a dead writer.
   */
  async prune(retentionMs: number, gc: (events: LogEvent[]) => Promise<void>): Promise<void> {
    for (let page = 0; page < PRUNE_PAGES && !this.closed; page++) {
      if (!(await this.prunePage(retentionMs, gc))) return;
    }
  }

  /** Prunes up to one page of old events; true when there may be more. */
  private async prunePage(retentionMs: number, gc: (events: LogEvent[]) => Promise<void>): Promise<boolean> {
    const { client, table } = this.o;
    const res = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#h = :h',
        ExpressionAttributeNames: { '#h': A.hash },
        ExpressionAttributeValues: { ':h': S(EVENTS) },
        ConsistentRead: true,
        Limit: PRUNE_PAGE,
      }),
    );
    const cutoff = Date.now() - retentionMs;
    const old: LogEvent[] = [];
    for (const row of res.Items ?? []) {
      const e = decodeEvent(row);
      if ((e.created ?? 0) >= cutoff) break;
      old.push(e);
    }
    if (old.length === 0) return false;
    await gc(old);
    const last = old[old.length - 1].seq;
    await client
      .send(
        new UpdateItemCommand({
          TableName: table,
          Key: keyOf(META, 'pruned'),
          UpdateExpression: 'SET #n = :v',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :v',
          ExpressionAttributeNames: { '#n': A.n },
          ExpressionAttributeValues: { ':v': N(last) },
        }),
      )
      .catch((err: unknown) => {
        if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
      });
    await batchWrite(
      client,
      table,
      old.map((e) => ({ DeleteRequest: { Key: keyOf(EVENTS, pad(e.seq)) } })),
    );
    return old.length === PRUNE_PAGE;
  }

  /** Stops polling; safe to call twice. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
  }
}
