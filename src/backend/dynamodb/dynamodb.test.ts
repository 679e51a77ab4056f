import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadParameterError, CompareFailedError, ConnectionProblemError } from '../../api/errors.js';
import { startDynalite } from '../testing/dynalite.js';
import type { LocalDynamo } from '../testing/dynalite.js';
import { runBackendSuite } from '../testing/suite.js';
import { runSharedBackendSuite } from '../testing/suite-shared.js';
import { WatchReader } from '../testing/watch-reader.js';
import { DynamoBackend } from './dynamodb.js';
import type { DynamoBackendOptions } from './dynamodb.js';

// One dynalite for the file; each backend gets a table of its own, created on first start.
let dynamo: LocalDynamo;
let raw: DynamoDBClient;
let n = 0;
const freshTable = (): string => `teleport-test-${++n}`;
const open = (opts: Partial<DynamoBackendOptions> = {}): Promise<DynamoBackend> =>
  DynamoBackend.open({ ...dynamo.options, tableName: freshTable(), pollStreamPeriodMs: 100, sweepIntervalMs: 10, ...opts });

beforeAll(async () => {
  dynamo = await startDynalite();
  raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});
afterAll(async () => {
  raw?.destroy();
  await dynamo?.close();
});

runBackendSuite('dynamodb backend', async (clock) => open({ clock }));
runSharedBackendSuite('dynamodb backend, two instances on one table', async (clock) => {
  const tableName = freshTable();
  const a = await open({ tableName, clock }); // the first creates the table
  return [a, await open({ tableName, clock })];
});

describe('dynamodb backend specifics', () => {
  it('values above the 400 KB item limit are chunked: read, swapped, watched and ranged whole', async () => {
    const tableName = freshTable();
    const a = await open({ tableName });
    const b = await open({ tableName });
    const w = new WatchReader(b.watch({ prefixes: ['/big/'] }));
    expect(await w.next()).toEqual({ type: 'init' });
    const big = 'é'.repeat(400_000) + 'end';
    const bigger = 'x'.repeat(1_000_000);
    await a.put({ key: '/big/v', value: big });
    expect((await b.get('/big/v')).value).toBe(big);
    await b.compareAndSwap({ key: '/big/v', value: big }, { key: '/big/v', value: bigger });
    await expect(a.compareAndSwap({ key: '/big/v', value: big }, { key: '/big/v', value: 'x' })).rejects.toBeInstanceOf(CompareFailedError);
    const cur = await a.get('/big/v');
    await a.keepAlive(cur, Date.now() + 60_000);
    expect((await a.getRange('/big/', '/big0')).map((i) => i.value.length)).toEqual([bigger.length]);
    expect(await w.next()).toMatchObject({ type: 'put', item: { value: big } });
    expect(await w.next()).toMatchObject({ type: 'put', item: { value: bigger } });
    expect(await w.next()).toMatchObject({ type: 'put', item: { value: bigger, revision: cur.revision } });
    await Promise.all([a.close(), b.close()]);
  });

  it('pruning the log removes old events, tombstones and chunk sets no version uses', async () => {
    const tableName = freshTable();
    const b = await open({ tableName, eventRetentionMs: 0 });
    await b.put({ key: '/g/big', value: 'y'.repeat(700_000) });
    await b.put({ key: '/g/big', value: 'z'.repeat(700_000) });
    const cur = await b.get('/g/big');
    await b.keepAlive(cur, Date.now() + 60_000); // the current version keeps its chunks
    await b.put({ key: '/g/gone', value: 'v' });
    await b.delete('/g/gone');
    await new Promise((r) => setTimeout(r, 5));
    await b.prune();
    const count = async (hash: string): Promise<number> =>
      (
        await raw.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'HashKey = :h',
            ExpressionAttributeValues: { ':h': { S: hash } },
            ConsistentRead: true,
          }),
        )
      ).Count ?? 0;
    expect(await count('teleport/events')).toBe(0);
    expect(await count('teleport/chunks')).toBe(3); // 700 KB in 300 KB chunks, one version
    expect(await count('teleport')).toBe(1); // the tombstone of /g/gone is gone
    expect((await b.get('/g/big')).value).toBe('z'.repeat(700_000));
    await b.close();
  });

  it('a sequence number nobody logs (a writer that died) is skipped after the gap timeout', async () => {
    const tableName = freshTable();
    const b = await open({ tableName, gapTimeoutMs: 300 });
    const w = new WatchReader(b.watch({ prefixes: [] }));
    expect(await w.next()).toEqual({ type: 'init' });
    // Take a number the way a writer does, then "die".
    await raw.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { HashKey: { S: 'teleport/meta' }, FullPath: { S: 'seq' } },
        UpdateExpression: 'ADD N :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    );
    const started = Date.now();
    await b.put({ key: '/after', value: 'v' });
    expect(await w.next()).toMatchObject({ type: 'put', item: { key: '/after' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(w.watcher.error).toBeUndefined();
    await b.close();
  });

  it('watchers restart (error set) when the log was pruned past this instance', async () => {
    const tableName = freshTable();
    const b = await open({ tableName, gapTimeoutMs: 100 });
    const w = new WatchReader(b.watch({ prefixes: [] }));
    expect(await w.next()).toEqual({ type: 'init' });
    // As if another instance logged and pruned 5 events this one never read.
    for (const [path, value] of [['seq', '5'], ['pruned', '5']]) {
      await raw.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { HashKey: { S: 'teleport/meta' }, FullPath: { S: path } },
          UpdateExpression: 'ADD N :v',
          ExpressionAttributeValues: { ':v': { N: value } },
        }),
      );
    }
    const other = await open({ tableName });
    await other.put({ key: '/x', value: 'v' });
    expect(await w.next()).toBeUndefined();
    expect(w.watcher.error).toBeInstanceOf(ConnectionProblemError);
    const again = new WatchReader(b.watch({ prefixes: [] }));
    expect(await again.next()).toEqual({ type: 'init' });
    await other.put({ key: '/y', value: 'v' });
    expect(await again.next()).toMatchObject({ type: 'put', item: { key: '/y' } });
    await Promise.all([b.close(), other.close()]);
  });

  it('creates the table on first start with the billing mode asked for', async () => {
    const onDemand = freshTable();
    const provisioned = freshTable();
    const b1 = await open({ tableName: onDemand });
    const b2 = await open({ tableName: provisioned, billingMode: 'provisioned', readCapacityUnits: 7, writeCapacityUnits: 3 });
    const d1 = (await raw.send(new DescribeTableCommand({ TableName: onDemand }))).Table!;
    const d2 = (await raw.send(new DescribeTableCommand({ TableName: provisioned }))).Table!;
    expect(d1.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(d2.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 7, WriteCapacityUnits: 3 });
    expect(d1.KeySchema).toEqual([
      { AttributeName: 'HashKey', KeyType: 'HASH' },
      { AttributeName: 'FullPath', KeyType: 'RANGE' },
    ]);
    // A second start finds the table and its data.
    await b1.put({ key: '/k', value: 'v' });
    await b1.close();
    const again = await open({ tableName: onDemand });
    expect((await again.get('/k')).value).toBe('v');
    await Promise.all([again.close(), b2.close()]);
  });

  it('refuses a table with another key schema', async () => {
    const tableName = freshTable();
    await raw.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    const err = await open({ tableName }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadParameterError);
    expect((err as Error).message).toMatch(/key schema/);
  });

  it('needs table_name; an unreachable endpoint gives ConnectionProblemError', async () => {
    await expect(open({ tableName: '' })).rejects.toThrow(/table_name is not specified/);
    const err = await open({ endpoint: 'http://127.0.0.1:1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionProblemError);
  });
});
