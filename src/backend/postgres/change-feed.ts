/**
 * The PostgreSQL watch feed: a dedicated connection LISTENs on the backend's channel; each NOTIFY
 * (and a slow safety-net poll) makes it read `kv_events` past its cursor, in revision order, and
 * hand the rows on. Revisions are gapless (writers hold the counter's row lock until COMMIT), so a
 * missing revision can only mean the log was pruned past us: then watchers must start over.
 */
import pg from 'pg';
import type { ClientConfig } from 'pg';
import type { Logger } from '../../log/index.js';
import type { FeedCursor } from '../feed-cursor.js';
import { quoteIdent } from './schema.js';
import type { PgNames } from './schema.js';

/** One row of `kv_events`, as read. */
export interface EventRow {
  rev: string;
  idx: number;
  kind: number;
  key: Buffer;
  value: Buffer | null;
  expires: string | null;
  revision: string | null;
}

/** Options for PgChangeFeed. */
export interface PgChangeFeedOptions {
  connection: ClientConfig;
  names: PgNames;
  cursor: FeedCursor;
  /** Rows of one or more whole transactions, in order. */
  onRows: (rows: EventRow[]) => void;
  /** The log was pruned past the cursor: watchers missed events. */
  onGap: () => void;
  pollIntervalMs: number;
  logger: Logger;
}

/** Revisions read per query; a transaction is never split (rows are selected by revision). */
const WINDOW = 500;
const MAX_BACKOFF_MS = 5000;
/** How the LISTEN connection shows in pg_stat_activity. */
export const FEED_APPLICATION_NAME = 'teleport backend change feed';

/** The LISTEN connection and its read loop; `connected` tells writers whether waiting for the feed makes sense. */
export class PgChangeFeed {
  private client: pg.Client | undefined;
  private closed = false;
  private reading = false;
  private again = false;
  private backoffMs = 100;
  private readonly poll: NodeJS.Timeout;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: PgChangeFeedOptions) {
    this.poll = setInterval(() => this.kick(), opts.pollIntervalMs);
    this.poll.unref();
  }

  /** True while the LISTEN connection is up. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Connects and LISTENs; throws when the first connection fails (later failures reconnect). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ application_name: FEED_APPLICATION_NAME, ...this.opts.connection });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', () => this.kick());
    await client.connect();
    try {
      await client.query(`LISTEN ${quoteIdent(this.opts.names.channel)}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = 100;
    this.kick();
  }

  private lost(client: pg.Client, err?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.opts.logger.warn({ component: 'backend:postgres', error: err?.message }, 'change feed connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.backoffMs / 2 + Math.random() * (this.backoffMs / 2);
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((e: unknown) => {
        this.opts.logger.warn({ component: 'backend:postgres', error: (e as Error).message }, 'change feed cannot reconnect');
        this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Reads new events now (coalesced with a read in progress). */
  kick(): void {
    if (this.closed || !this.client) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.readLoop().finally(() => {
      this.reading = false;
    });
  }

  private async readLoop(): Promise<void> {
    do {
      this.again = false;
      const client = this.client;
      if (!client || this.closed) return;
      try {
        const more = await this.readOnce(client);
        if (more) this.again = true;
      } catch (err) {
        // A failed read on a live connection (a statement timeout, say): the next kick retries.
        if (this.client === client) this.opts.logger.warn({ component: 'backend:postgres', error: (err as Error).message }, 'change feed read failed');
        return;
      }
    } while (this.again && !this.closed);
  }

  /** Reads one window of revisions past the cursor; true when there may be more. */
  private async readOnce(client: pg.Client): Promise<boolean> {
    const { names: n, cursor } = this.opts;
    const from = cursor.position;
    const res = await client.query<EventRow & { pruned: string }>(
      `SELECT m.value AS pruned, e.rev, e.idx, e.kind, e.key, e.value, e.expires, e.revision
         FROM ${n.meta} m
         LEFT JOIN LATERAL (
           SELECT rev, idx, kind, key, value, expires, revision FROM ${n.events}
            WHERE rev > $1 AND rev <= $1 + $2 ORDER BY rev, idx
         ) e ON true
        WHERE m.name = 'pruned'
        ORDER BY e.rev, e.idx`,
      [from.toString(), WINDOW],
    );
    if (this.closed || cursor.position !== from) return false;
    const pruned = BigInt(res.rows[0]?.pruned ?? '0');
    const rows = res.rows.filter((r) => r.rev !== null);
    if (pruned > from || (rows.length > 0 && BigInt(rows[0].rev) !== from + 1n)) {
      // The log no longer holds what we have not read: start over from the current revision.
      const top = await client.query<{ value: string }>(`SELECT value FROM ${n.meta} WHERE name = 'revision'`);
      this.opts.logger.warn({ component: 'backend:postgres', cursor: from.toString() }, 'change feed fell behind the pruned log; watchers restart');
      this.opts.onGap();
      const now = BigInt(top.rows[0]?.value ?? '0');
      cursor.advance(now > pruned ? now : pruned);
      return true;
    }
    if (rows.length === 0) return false;
    this.opts.onRows(rows);
    const last = BigInt(rows[rows.length - 1].rev);
    cursor.advance(last);
    return last === from + BigInt(WINDOW);
  }

  /** Stops listening; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poll);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
