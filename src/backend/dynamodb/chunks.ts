/**
 * Values above CHUNK_BYTES (DynamoDB items hold at most 400 KB) are stored as a chunk set in the
 * chunks partition, named by key and by the sequence number of the write that stored them, so a
 * set never changes once written. Sets that no version or unread event refers to are removed when
 * the change log is pruned.
 */
import { BatchWriteItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { ConnectionProblemError } from '../../api/errors.js';
import { A, B, CHUNK_BYTES, CHUNKS, keyOf, S, pad } from './table.js';

const BATCH = 25;

/** `len:key \0 seq \0`: the key's length first, so one key's sets never share a prefix with another key's. */
function setPrefix(key: string, seq?: number): string {
  const base = `${String(key.length).padStart(6, '0')}:${key}\u0000`;
  return seq === undefined ? base : `${base}${pad(seq)}\u0000`;
}

/** Writes requests in batches of 25, retrying what DynamoDB left unprocessed. */
export async function batchWrite(client: DynamoDBClient, table: string, requests: WriteRequest[]): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH) {
    let pending: WriteRequest[] = requests.slice(i, i + BATCH);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      if (attempt > 10) throw new ConnectionProblemError('dynamodb backend: batch write left items unprocessed');
      const res = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = res.UnprocessedItems?.[table] ?? [];
    }
  }
}

/** True when a value must be stored in chunks. */
export function needsChunks(value: Buffer): boolean {
  return value.length > CHUNK_BYTES;
}

/** Stores `value` as the chunk set of (`key`, `seq`); returns the number of chunks. */
export async function writeChunks(client: DynamoDBClient, table: string, key: string, seq: number, value: Buffer): Promise<number> {
  const requests: WriteRequest[] = [];
  for (let off = 0, i = 0; off < value.length; off += CHUNK_BYTES, i++) {
    const path = `${setPrefix(key, seq)}${String(i).padStart(6, '0')}`;
    requests.push({ PutRequest: { Item: { ...keyOf(CHUNKS, path), [A.data]: B(value.subarray(off, off + CHUNK_BYTES)) } } });
  }
  await batchWrite(client, table, requests);
  return requests.length;
}

async function queryPaths(client: DynamoDBClient, table: string, prefix: string, withData: boolean): Promise<Record<string, AttributeValue>[]> {
  const out: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const res = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#h = :h AND begins_with(#p, :p)',
        ExpressionAttributeNames: { '#h': A.hash, '#p': A.path },
        ExpressionAttributeValues: { ':h': S(CHUNKS), ':p': S(prefix) },
        ConsistentRead: true,
        ...(withData ? {} : { ProjectionExpression: '#p' }),
        ExclusiveStartKey: start,
      }),
    );
    out.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

/** A chunk set is gone (pruned after a newer version replaced it): the value cannot be read any more. */
export class MissingChunksError extends ConnectionProblemError {}

/** Reads the chunk set of (`key`, `seq`); MissingChunksError when it is incomplete. */
export async function readChunks(client: DynamoDBClient, table: string, key: string, seq: number, count: number): Promise<Buffer> {
  const items = await queryPaths(client, table, setPrefix(key, seq), true);
  if (items.length !== count) {
    throw new MissingChunksError(`dynamodb backend: value of ${key} (version ${seq}) has ${items.length} of ${count} chunks; read it again`);
  }
  return Buffer.concat(items.map((i) => Buffer.from(i[A.data]?.B ?? new Uint8Array())));
}

/**
 * Deletes the chunk sets of `key` written before `below`, except the one `keep` names (asked for
 * only when there is something to delete: the current version's set).
 */
export async function deleteChunkSets(
  client: DynamoDBClient,
  table: string,
  key: string,
  below: number,
  keep: () => Promise<number | undefined>,
): Promise<void> {
  const prefix = setPrefix(key);
  const items = await queryPaths(client, table, prefix, false);
  const seqOf = (i: Record<string, AttributeValue>): number => Number((i[A.path]?.S ?? '').slice(prefix.length, prefix.length + 16));
  if (!items.some((i) => seqOf(i) < below)) return;
  const current = await keep();
  const doomed = items.filter((i) => seqOf(i) < below && seqOf(i) !== current);
  await batchWrite(
    client,
    table,
    doomed.map((i) => ({ DeleteRequest: { Key: keyOf(CHUNKS, i[A.path]!.S!) } })),
  );
}

/** Deletes the chunk set of (`key`, `seq`) (a write that lost its condition). */
export async function deleteChunkSet(client: DynamoDBClient, table: string, key: string, seq: number): Promise<void> {
  const items = await queryPaths(client, table, setPrefix(key, seq), false);
  await batchWrite(
    client,
    table,
    items.map((i) => ({ DeleteRequest: { Key: keyOf(CHUNKS, i[A.path]!.S!) } })),
  );
}
