/**
 * The DynamoDB audit events table: Teleport's attribute names (`SessionID`, `EventType`,
 * `CreatedAt`, `CreatedAtDate`, `FieldsMap`, `Expires`) and its time index `timesearchV2`, keyed
 * by the UTC day (`CreatedAtDate`) so writes spread over one partition per day and a time range is
 * one query per day. Both the table and the index sort on `TimeKey` = `<ISO time>/<uid>`, which
 * orders events exactly as searches do (time, then uid). Created on first start, with TTL on
 * `Expires` where the service has it.
 */
import { DescribeTimeToLiveCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoError, ensureTable, isNamed } from '../../dynamodb/index.js';
import type { TableLayout, TableSettings } from '../../dynamodb/index.js';
import type { Logger } from '../../log/index.js';

/** Attribute names. Expressions always use `#name` placeholders (several are reserved words). */
export const A = {
  session: 'SessionID',
  timeKey: 'TimeKey',
  date: 'CreatedAtDate',
  createdAt: 'CreatedAt',
  index: 'EventIndex',
  type: 'EventType',
  namespace: 'EventNamespace',
  fields: 'FieldsMap',
  expires: 'Expires',
} as const;

/** The global secondary index on (CreatedAtDate, TimeKey). */
export const TIME_INDEX = 'timesearchV2';
/**
 * The partition listing the days that have events (`TimeKey` = `yyyy-mm-dd`): searches visit only
 * those days, and an open-ended range knows where to start.
 */
export const DAYS_PARTITION = 'teleport/event-days';

// ISO strings are fixed-width (so ordered like the times) only for years 0000-9999.
const MIN_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The ISO time of `ms`, clamped to years 0000-9999. */
export function isoTime(ms: number): string {
  return new Date(Math.min(MAX_MS, Math.max(MIN_MS, ms))).toISOString();
}

/** The sort key of an event: its time to the millisecond, then its uid. */
export function timeKey(ms: number, uid: string): string {
  return `${isoTime(ms)}/${uid}`;
}

/** Table settings (from the storage section when it is type dynamodb). */
export type EventsTableOptions = TableSettings;

/** The table's keys and its time index. */
const LAYOUT: TableLayout = { hash: A.session, range: A.timeKey, indexes: [{ name: TIME_INDEX, hash: A.date, range: A.timeKey }] };

/** SDK failures as ours (src/dynamodb's dynamoError), naming the audit store. */
export function toStoreError(err: unknown, what: string): unknown {
  return dynamoError(err, 'audit events (dynamodb)', what, 'add ?region= to the URI or region to the storage section');
}

/**
 * Creates the table and its index when missing (auth servers racing is fine), waits until ACTIVE,
 * checks the layout and turns on TTL for `Expires`. Throws BadParameterError for a table of another
 * layout (Teleport's own, or the cluster state's).
 */
export async function ensureEventsTable(client: DynamoDBClient, o: EventsTableOptions, logger: Logger): Promise<void> {
  const created = await ensureTable(client, { ...o, layout: LAYOUT, label: 'audit events (dynamodb)', hint: 'give the audit log a table of its own' });
  if (created) logger.info({ table: o.tableName }, 'created the audit events table');
  await enableTTL(client, o.tableName, logger);
}

/** Turns on expiry by `Expires`; a DynamoDB stand-in without TTL (dynalite) only gets a warning. */
async function enableTTL(client: DynamoDBClient, tableName: string, logger: Logger): Promise<void> {
  try {
    const status = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: A.expires, Enabled: true } }));
  } catch (err) {
    if (!isNamed(err, 'UnknownOperationException')) throw err;
    logger.warn({ table: tableName }, 'this DynamoDB service has no TTL: audit events will not expire');
  }
}
