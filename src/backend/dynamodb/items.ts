/**
 * How the DynamoDB backend reads and conditions items: the stored form (tombstones included), the
 * expression helpers DynamoDB's strictness asks for, the condition fragments every write combines,
 * and the shape of one ordered conditional write.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { A } from './table.js';

/** An item as stored (a tombstone has `deleted` and no value). */
export interface Stored {
  key: string;
  seq: number;
  deleted: boolean;
  value?: Buffer;
  chunks?: number;
  chunkSeq?: number;
  expires?: number;
  revision?: string;
}

/** Reads a stored item (or tombstone) from its attributes. */
export function decodeStored(item: Record<string, AttributeValue>): Stored {
  const n = (a: string): number | undefined => (item[a]?.N === undefined ? undefined : Number(item[a].N));
  const s: Stored = { key: item[A.path]?.S ?? '', seq: n(A.seq) ?? 0, deleted: item[A.deleted]?.BOOL === true };
  const value = item[A.value]?.B;
  if (value !== undefined) s.value = Buffer.from(value);
  s.chunks = n(A.chunks);
  s.chunkSeq = n(A.chunkSeq);
  s.expires = n(A.expires);
  if (item[A.revision]?.S !== undefined) s.revision = item[A.revision].S;
  return s;
}

/** Placeholder names used by an expression (DynamoDB refuses unused ones). */
export function namesOf(...exprs: (string | undefined)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of exprs) for (const m of e?.matchAll(/#(\w+)/g) ?? []) out[`#${m[1]}`] = m[1];
  return out;
}

/** The values an expression uses, out of `all`. */
export function valuesOf(all: Record<string, AttributeValue>, ...exprs: (string | undefined)[]): Record<string, AttributeValue> | undefined {
  const out: Record<string, AttributeValue> = {};
  for (const e of exprs) for (const m of e?.matchAll(/:(\w+)/g) ?? []) if (all[`:${m[1]}`]) out[`:${m[1]}`] = all[`:${m[1]}`];
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Condition fragments; `:s` is the writer's sequence number, `:now` the clock. NEWER: no newer write landed. */
export const NEWER = '(attribute_not_exists(#Seq) OR #Seq < :s)';
/** The item is there, not a tombstone, not expired. */
export const LIVE = 'attribute_exists(#Seq) AND attribute_not_exists(#Deleted) AND (attribute_not_exists(#ExpiresAt) OR #ExpiresAt > :now)';
/** The item is missing, a tombstone or expired. */
export const ABSENT = '(attribute_not_exists(#Seq) OR attribute_exists(#Deleted) OR #ExpiresAt <= :now)';

/** A verdict meaning "the write has nothing to do" (an item already deleted, a sweep that lost). */
export const SKIP = Symbol('skip');
/** What a write's client-side check decided: throw this, SKIP, or go ahead (undefined). */
export type Verdict = Error | typeof SKIP | undefined;

/** One conditional write, retried at a newer sequence number when a newer write got there first. */
export interface Write {
  /**
   * The write's condition judged here on the stored item (tombstones and expired items included):
   * an Error to throw, SKIP, or undefined when the write should go ahead. Runs before each attempt
   * (no sequence number is spent on a write bound to fail) and after a refused one.
   */
  verdict(cur: Stored | undefined): Promise<Verdict> | Verdict;
  /** Sends the write at `seq` over `cur` (what verdict saw); returns the item as written. Throws when DynamoDB refuses it. */
  send(seq: number, cur: Stored | undefined): Promise<Stored>;
  /** Cleans up after a write at `seq` that did not apply (chunks it stored). */
  abandon?(seq: number): Promise<void>;
}
