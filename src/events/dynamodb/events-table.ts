/**
 * The DynamoDB audit events table: Teleport's attribute names (`SessionID`, `EventType`,
 * `CreatedAt`, `CreatedAtDate`, `FieldsMap`, `Expires`) and its time index `timesearchV2`, keyed
 * by the UTC day (`CreatedAtDate`) so writes spread over one partition per day and a time range is
 * one query per day. Both the table and the index sort on `TimeKey` = `<ISO time>/<uid>`, which
 * orders events exactly as searches do (time, then uid). Created on first start, with TTL on
 * `Expires` where the service has it.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import { BadParameterError, ConnectionProblemError, TeleportError } from '../../api/errors.js';
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
export interface EventsTableOptions {
  tableName: string;
  billingMode?: 'pay_per_request' | 'provisioned';
  readCapacityUnits?: number;
  writeCapacityUnits?: number;
  continuousBackups?: boolean;
}

const POLL_MS = 200;
const ACTIVE_TIMEOUT_MS = 5 * 60_000;

const named = (err: unknown, ...names: string[]): boolean => names.includes((err as { name?: string })?.name ?? '');

/** SDK failures as ours: invalid requests are BadParameterError, the rest ConnectionProblemError. */
export function toStoreError(err: unknown, what: string): unknown {
  if (err instanceof TeleportError) return err;
  const name = (err as { name?: string })?.name ?? '';
  const msg = (err as Error)?.message ?? String(err);
  if (name === 'ValidationException' || /Region is missing/i.test(msg)) {
    return new BadParameterError(`audit events (dynamodb): ${what}: ${msg}${/Region/i.test(msg) ? '; add ?region= to the URI or region to the storage section' : ''}`, {
      cause: err,
    });
  }
  return new ConnectionProblemError(`audit events (dynamodb): ${what}: ${name ? `${name}: ` : ''}${msg}`, { cause: err });
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (err) {
    if (err instanceof ResourceNotFoundException || named(err, 'ResourceNotFoundException')) return undefined;
    throw err;
  }
}

const keysOf = (ks: { AttributeName?: string; KeyType?: string }[] | undefined): string =>
  (ks ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).sort().join(',');

/**
 * Creates the table and its index when missing (auth servers racing is fine), waits until ACTIVE,
 * checks the layout and turns on TTL for `Expires`. Throws BadParameterError for a table of another
 * layout (Teleport's own, or the cluster state's).
 */
export async function ensureEventsTable(client: DynamoDBClient, o: EventsTableOptions, logger: Logger): Promise<void> {
  let table = await describe(client, o.tableName);
  if (!table) {
    const provisioned = o.billingMode === 'provisioned';
    const throughput = { ReadCapacityUnits: o.readCapacityUnits ?? 10, WriteCapacityUnits: o.writeCapacityUnits ?? 10 };
    try {
      await client.send(
        new CreateTableCommand({
          TableName: o.tableName,
          AttributeDefinitions: [
            { AttributeName: A.session, AttributeType: 'S' },
            { AttributeName: A.timeKey, AttributeType: 'S' },
            { AttributeName: A.date, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: A.session, KeyType: 'HASH' },
            { AttributeName: A.timeKey, KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: TIME_INDEX,
              KeySchema: [
                { AttributeName: A.date, KeyType: 'HASH' },
                { AttributeName: A.timeKey, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
              ...(provisioned && { ProvisionedThroughput: throughput }),
            },
          ],
          ...(provisioned ? { BillingMode: 'PROVISIONED', ProvisionedThroughput: throughput } : { BillingMode: 'PAY_PER_REQUEST' }),
        }),
      );
      logger.info({ table: o.tableName }, 'created the audit events table');
    } catch (err) {
      if (!(err instanceof ResourceInUseException || named(err, 'ResourceInUseException'))) throw err;
    }
    const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
    for (;;) {
      table = await describe(client, o.tableName);
      const indexReady = table?.GlobalSecondaryIndexes?.every((i) => i.IndexStatus === undefined || i.IndexStatus === 'ACTIVE') ?? true;
      if (table?.TableStatus === 'ACTIVE' && indexReady) break;
      if (Date.now() > deadline) throw new ConnectionProblemError(`audit events (dynamodb): table ${o.tableName} did not become ACTIVE`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  const index = table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === TIME_INDEX);
  if (keysOf(table?.KeySchema) !== `${A.session}:HASH,${A.timeKey}:RANGE` || keysOf(index?.KeySchema) !== `${A.date}:HASH,${A.timeKey}:RANGE`) {
    throw new BadParameterError(
      `audit events (dynamodb): table ${o.tableName} has another layout (keys ${keysOf(table?.KeySchema) || 'none'}, ${index ? `index ${TIME_INDEX} ${keysOf(index.KeySchema)}` : `no index ${TIME_INDEX}`}); give the audit log a table of its own`,
    );
  }
  await enableTTL(client, o.tableName, logger);
  if (o.continuousBackups) {
    await client.send(new UpdateContinuousBackupsCommand({ TableName: o.tableName, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  }
}

/** Turns on expiry by `Expires`; a DynamoDB stand-in without TTL (dynalite) only gets a warning. */
async function enableTTL(client: DynamoDBClient, tableName: string, logger: Logger): Promise<void> {
  try {
    const status = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: A.expires, Enabled: true } }));
  } catch (err) {
    if (!named(err, 'UnknownOperationException')) throw err;
    logger.warn({ table: tableName }, 'this DynamoDB service has no TTL: audit events will not expire');
  }
}
