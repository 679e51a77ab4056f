/**
 * A DynamoDB table created on first start, shared by the cluster-state backend and the audit
 * events store: create it when missing (auth servers racing to do so is fine), wait until it and
 * its indexes are ACTIVE, check that its keys are the ones we write, and keep point-in-time
 * recovery on when asked (as Teleport does, on every start: someone may have turned it off).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import { BadParameterError, ConnectionProblemError } from '../api/errors.js';

/** A table's or index's key attributes (both strings). */
export interface KeyPair {
  hash: string;
  range: string;
}

/** What a store needs of its table: its keys, and its global secondary indexes (projecting everything). */
export interface TableLayout extends KeyPair {
  indexes?: (KeyPair & { name: string })[];
}

/** Table settings from teleport.yaml (`billing_mode`, `read_capacity_units`, ...). */
export interface TableSettings {
  tableName: string;
  billingMode?: 'pay_per_request' | 'provisioned';
  readCapacityUnits?: number;
  writeCapacityUnits?: number;
  continuousBackups?: boolean;
}

/** `ensureTable`'s options: the settings, the layout, and how errors name the store and what to do. */
export interface EnsureTableOptions extends TableSettings {
  layout: TableLayout;
  /** Starts every error message, e.g. `dynamodb backend`. */
  label: string;
  /** Ends the wrong-layout message, e.g. `use a table of its own`. */
  hint: string;
}

const POLL_MS = 200;
const ACTIVE_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_CAPACITY_UNITS = 10;

/** True when `err` is the SDK error called `name` (by class or, across SDK copies, by name). */
export function isNamed(err: unknown, name: string): boolean {
  return (err as { name?: string } | undefined)?.name === name;
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (err) {
    if (err instanceof ResourceNotFoundException || isNamed(err, 'ResourceNotFoundException')) return undefined;
    throw err;
  }
}

const keysOf = (ks: { AttributeName?: string; KeyType?: string }[] | undefined): string =>
  (ks ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).sort().join(',');
const expectedKeys = (k: KeyPair): string => keysOf([{ AttributeName: k.hash, KeyType: 'HASH' }, { AttributeName: k.range, KeyType: 'RANGE' }]);
const keySchema = (k: KeyPair) => [
  { AttributeName: k.hash, KeyType: 'HASH' as const },
  { AttributeName: k.range, KeyType: 'RANGE' as const },
];

async function create(client: DynamoDBClient, o: EnsureTableOptions): Promise<void> {
  const { layout } = o;
  const provisioned = o.billingMode === 'provisioned';
  const throughput = {
    ReadCapacityUnits: o.readCapacityUnits ?? DEFAULT_CAPACITY_UNITS,
    WriteCapacityUnits: o.writeCapacityUnits ?? DEFAULT_CAPACITY_UNITS,
  };
  const attributes = new Set([layout.hash, layout.range, ...(layout.indexes ?? []).flatMap((i) => [i.hash, i.range])]);
  await client.send(
    new CreateTableCommand({
      TableName: o.tableName,
      AttributeDefinitions: [...attributes].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
      KeySchema: keySchema(layout),
      ...(layout.indexes?.length && {
        GlobalSecondaryIndexes: layout.indexes.map((i) => ({
          IndexName: i.name,
          KeySchema: keySchema(i),
          Projection: { ProjectionType: 'ALL' },
          ...(provisioned && { ProvisionedThroughput: throughput }),
        })),
      }),
      ...(provisioned ? { BillingMode: 'PROVISIONED', ProvisionedThroughput: throughput } : { BillingMode: 'PAY_PER_REQUEST' }),
    }),
  );
}

/** Throws BadParameterError naming the table when its keys or indexes are not `layout`'s. */
function checkLayout(table: TableDescription | undefined, o: EnsureTableOptions): void {
  const found = [`key schema ${keysOf(table?.KeySchema) || '(none)'}`];
  const wanted = [`key schema ${expectedKeys(o.layout)}`];
  let same = found[0] === wanted[0];
  for (const want of o.layout.indexes ?? []) {
    const index = table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === want.name);
    found.push(index ? `index ${want.name} ${keysOf(index.KeySchema)}` : `no index ${want.name}`);
    wanted.push(`index ${want.name} ${expectedKeys(want)}`);
    same &&= found.at(-1) === wanted.at(-1);
  }
  if (!same) {
    throw new BadParameterError(`${o.label}: table ${o.tableName} has ${found.join(', ')}, not ${wanted.join(', ')}; ${o.hint}`);
  }
}

/**
 * Creates the table when missing, waits until it is ACTIVE, checks its layout and turns on
 * continuous backups when asked. Resolves true when this call created the table. Throws
 * BadParameterError for a table of another layout, ConnectionProblemError when it never became
 * ACTIVE; SDK errors pass through for the caller to map.
 */
export async function ensureTable(client: DynamoDBClient, o: EnsureTableOptions): Promise<boolean> {
  let table = await describe(client, o.tableName);
  let created = false;
  if (!table) {
    try {
      await create(client, o);
      created = true;
    } catch (err) {
      if (!(err instanceof ResourceInUseException || isNamed(err, 'ResourceInUseException'))) throw err;
    }
    const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
    for (;;) {
      table = await describe(client, o.tableName);
      const indexesReady = table?.GlobalSecondaryIndexes?.every((i) => i.IndexStatus === undefined || i.IndexStatus === 'ACTIVE') ?? true;
      if (table?.TableStatus === 'ACTIVE' && indexesReady) break;
      if (Date.now() > deadline) throw new ConnectionProblemError(`${o.label}: table ${o.tableName} did not become ACTIVE`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  checkLayout(table, o);
  if (o.continuousBackups) {
    await client.send(
      new UpdateContinuousBackupsCommand({ TableName: o.tableName, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
    );
  }
  return created;
}
