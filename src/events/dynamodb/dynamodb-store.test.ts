import { CreateTableCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadParameterError, ConnectionProblemError } from '../../api/errors.js';
import { FakeClock } from '../../api/clock.js';
import { startDynalite, type LocalDynamo } from '../../backend/testing/dynalite.js';
import { parseQuery } from '../query.js';
import { runEventStoreSuite, testEvent } from '../testing/suite.js';
import { DynamoEventStore, type DynamoEventStoreOptions } from './dynamodb-store.js';
import { DAYS_PARTITION, TIME_INDEX } from './events-table.js';

let dynamo: LocalDynamo;
let n = 0;
const fresh = () => `events_${process.pid}_${++n}`;
const open = (opts: Partial<DynamoEventStoreOptions> = {}): Promise<DynamoEventStore> =>
  DynamoEventStore.open({ ...dynamo.options, tableName: fresh(), ...opts });

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => dynamo?.close());

runEventStoreSuite('dynamodb', async () => ({ store: await open(), cleanup: async () => {} }));

describe('dynamodb event store specifics', () => {
  it('two auth servers on one table see each other\'s events; a rewrite changes nothing', async () => {
    const tableName = fresh();
    const [a, b] = await Promise.all([open({ tableName }), open({ tableName })]);
    await a.write(testEvent(1, { user: 'from-a' }));
    await b.write(testEvent(2, { user: 'from-b' }));
    await b.write(testEvent(1, { user: 'from-a' }));
    for (const s of [a, b]) {
      expect((await s.search(parseQuery({}))).events.map((e) => e.user)).toEqual(['from-a', 'from-b']);
    }
    await a.close();
    await a.close();
    await expect(a.write(testEvent(3))).rejects.toBeInstanceOf(ConnectionProblemError);
    await b.close();
  });

  it('spreads events over one time-index partition per day and searches the days the days partition lists', async () => {
    const tableName = fresh();
    const s = await open({ tableName, clock: new FakeClock(Date.UTC(2026, 2, 1)) });
    const day = (d: number, h = 12) => new Date(Date.UTC(2026, 2, d, h)).toISOString();
    const events = [1, 2, 2, 9, 30].map((d, i) => testEvent(0, { uid: `d${i}`, time: day(d, 10 + i), sid: i === 4 ? 'long-session' : undefined }));
    for (const e of [...events].reverse()) await s.write(e);
    const raw = new DynamoDBClient({ ...dynamo.options, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const perDay = await raw.send(
      new QueryCommand({ TableName: tableName, IndexName: TIME_INDEX, KeyConditionExpression: 'CreatedAtDate = :d', ExpressionAttributeValues: { ':d': { S: '2026-03-02' } } }),
    );
    expect(perDay.Items?.map((i) => i.FieldsMap?.M?.uid?.S)).toEqual(['d1', 'd2']);
    expect(perDay.Items?.[0]).toMatchObject({ EventType: { S: 'user.login' }, CreatedAt: { N: String(Date.parse(day(2, 11)) / 1000) } });
    const days = await raw.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'SessionID = :p', ExpressionAttributeValues: { ':p': { S: DAYS_PARTITION } } }));
    expect(days.Items?.map((i) => i.TimeKey?.S)).toEqual(['2026-03-01', '2026-03-02', '2026-03-09', '2026-03-30']);
    raw.destroy();

    const uids = async (q: Parameters<typeof parseQuery>[0]) => (await s.search(parseQuery(q))).events.map((e) => e.uid);
    expect(await uids({ from: day(2, 0), to: day(30, 0) })).toEqual(['d1', 'd2', 'd3']);
    expect(await uids({ to: day(2, 11) })).toEqual(['d0']);
    expect(await uids({ from: day(2, 12), order: 'desc' })).toEqual(['d4', 'd3', 'd2']);
    expect(await uids({ sid: 'long-session', from: day(1, 0) })).toEqual(['d4']);
    const first = await s.search(parseQuery({ limit: 2, order: 'desc' }));
    expect(first.events.map((e) => e.uid)).toEqual(['d4', 'd3']);
    expect(await uids({ limit: 2, order: 'desc', startKey: first.startKey })).toEqual(['d2', 'd1']);
    await s.close();
  });

  it('does not mistake an event whose uid equals a session ID for that session\'s', async () => {
    const s = await open();
    await s.write(testEvent(1, { uid: 'shared-id' }));
    await s.write(testEvent(2, { uid: 'other', sid: 'shared-id' }));
    expect((await s.search(parseQuery({ sid: 'shared-id' }))).events.map((e) => e.uid)).toEqual(['other']);
    await s.write(testEvent(3, { uid: 'odd', sid: DAYS_PARTITION }));
    expect((await s.search(parseQuery({}))).events.map((e) => e.uid)).toEqual(['shared-id', 'other', 'odd']);
    await s.close();
  });

  it('refuses a table of another layout, naming it', async () => {
    const tableName = fresh();
    const raw = new DynamoDBClient({ ...dynamo.options, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await raw.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'SessionID', AttributeType: 'S' },
          { AttributeName: 'EventIndex', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'SessionID', KeyType: 'HASH' },
          { AttributeName: 'EventIndex', KeyType: 'RANGE' },
        ],
      }),
    );
    raw.destroy();
    const err = await open({ tableName }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadParameterError);
    expect((err as Error).message).toContain(tableName);
  });

  it('reports an unreachable DynamoDB as a connection problem', async () => {
    const err = await DynamoEventStore.open({ ...dynamo.options, endpoint: 'http://127.0.0.1:1', tableName: fresh() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionProblemError);
  });
});
