/**
 * The DynamoDB backend's table: Teleport's key schema (`HashKey` partition, `FullPath` sort key),
 * created on first start (src/dynamodb), with four partitions: items, the change log, value chunks
 * and counters. Holds the attribute names, the item codec and the small request helpers the backend shares.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { dynamoError } from '../../dynamodb/index.js';
import type { TableLayout } from '../../dynamodb/index.js';

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

/** The table's keys, as Teleport's: every partition of ours sorts by FullPath. */
export const LAYOUT: TableLayout = { hash: A.hash, range: A.path };

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

/** SDK failures as ours (src/dynamodb's dynamoError), naming the backend. */
export function toBackendError(err: unknown, what: string): unknown {
  return dynamoError(err, 'dynamodb backend', what, 'set region in the storage section');
}
