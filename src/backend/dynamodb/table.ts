/**
 * The DynamoDB backend's table: Teleport's key schema (`HashKey` partition, `FullPath` sort key),
 * created on first start, with four partitions: items, the change log, value chunks and counters.
 * Holds the attribute names, the item codec and the small request helpers the backend shares.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import { BadParameterError, ConnectionProblemError, TeleportError } from '../../api/errors.js';

/** Partition (HashKey) of the items, as in Teleport. */
export const ITEMS = 'teleport';
/** Partition of the change log; FullPath is the zero-padded sequence number. */
export const EVENTS = 'teleport/events';
/** Partition of value chunks (values above CHUNK_BYTES); FullPath is `key \0 seq \0 index`. */
export const CHUNKS = 'teleport/chunks';
/** Partition of counters (`seq`, `pruned`). */
export const META = 'teleport/meta';

/** Values longer than this are stored in chunks of this size (an item holds at most 400 KB). */
export const CHUNK_BYTES = 300 * 1024;

/** Attribute names. Several are DynamoDB reserved words: expressions always use `#name` placeholders. */
export const A = {
  hash: 'HashKey',
  path: 'FullPath',
  value: 'Value',
  chunks: 'Chunks',
  chunkSeq: 'ChunkSeq',
  expires: 'ExpiresAt',
  revision: 'Revision',
  seq: 'Seq',
  deleted: 'Deleted',
  kind: 'Kind',
  key: 'Key',
  created: 'Created',
  n: 'N',
  data: 'Data',
} as const;

/** `#name` placeholders for every attribute, passed with each expression. */
export const NAMES: Record<string, string> = Object.fromEntries(Object.values(A).map((a) => [`#${a}`, a]));

/** Sequence numbers as sort keys: fixed width so string order is numeric order. */
export function pad(seq: number): string {
  return String(seq).padStart(16, '0');
}

/** Table settings from teleport.yaml. */
export interface TableOptions {
  tableName: string;
  billingMode: 'pay_per_request' | 'provisioned';
  readCapacityUnits: number;
  writeCapacityUnits: number;
  continuousBackups: boolean;
}

export const S = (s: string): AttributeValue => ({ S: s });
export const N = (n: number): AttributeValue => ({ N: String(n) });
export const B = (b: Buffer): AttributeValue => ({ B: b });

/** The key of an item in `partition`. */
export function keyOf(partition: string, path: string): Record<string, AttributeValue> {
  return { [A.hash]: S(partition), [A.path]: S(path) };
}

/** True for DynamoDB's "the condition did not hold". */
export function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/** Turns SDK failures into ConnectionProblemError (validation failures into BadParameterError). */
export function toBackendError(err: unknown, what: string): unknown {
  if (err instanceof TeleportError) return err;
  const name = (err as { name?: string })?.name ?? '';
  const msg = (err as Error)?.message ?? String(err);
  if (name === 'ValidationException') return new BadParameterError(`dynamodb backend: ${what}: ${msg}`, { cause: err });
  return new ConnectionProblemError(`dynamodb backend: ${what}: ${name ? `${name}: ` : ''}${msg}`, { cause: err });
}

const POLL_MS = 200;
const ACTIVE_TIMEOUT_MS = 5 * 60_000;

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (err) {
    if (err instanceof ResourceNotFoundException || (err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/**
 * Creates the table when missing (racing auth servers are fine), waits until it is ACTIVE and
 * checks its key schema. Throws BadParameterError for a table with another key schema.
 */
export async function ensureTable(client: DynamoDBClient, o: TableOptions): Promise<void> {
  let table = await describe(client, o.tableName);
  if (!table) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: o.tableName,
          AttributeDefinitions: [
            { AttributeName: A.hash, AttributeType: 'S' },
            { AttributeName: A.path, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: A.hash, KeyType: 'HASH' },
            { AttributeName: A.path, KeyType: 'RANGE' },
          ],
          ...(o.billingMode === 'provisioned'
            ? {
                BillingMode: 'PROVISIONED',
                ProvisionedThroughput: { ReadCapacityUnits: o.readCapacityUnits, WriteCapacityUnits: o.writeCapacityUnits },
              }
            : { BillingMode: 'PAY_PER_REQUEST' }),
        }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException || (err as { name?: string }).name === 'ResourceInUseException')) throw err;
    }
    const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
    for (;;) {
      table = await describe(client, o.tableName);
      if (table?.TableStatus === 'ACTIVE') break;
      if (Date.now() > deadline) throw new ConnectionProblemError(`dynamodb backend: table ${o.tableName} did not become ACTIVE`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  const keys = (table?.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).sort();
  if (keys.join(',') !== `${A.path}:RANGE,${A.hash}:HASH`) {
    throw new BadParameterError(
      `dynamodb backend: table ${o.tableName} has key schema ${keys.join(', ') || '(none)'}, not HashKey and FullPath; use a table of its own`,
    );
  }
  // As Teleport does, on every start: someone may have turned it off.
  if (o.continuousBackups) {
    await client.send(
      new UpdateContinuousBackupsCommand({
        TableName: o.tableName,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
  }
}
