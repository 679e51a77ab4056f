/**
 * Key ordering and input checks shared by every backend. Keys sort in UTF-8 byte order (the same as
 * Unicode code point order), which is what SQLite BLOBs, PostgreSQL `COLLATE "C"`, etcd and DynamoDB
 * use, so every implementation returns ranges in the same order.
 */
import { BadParameterError } from '../api/errors.js';
import type { ItemInput } from './backend.js';

/** Maps a UTF-16 code unit so that plain comparison follows code point order. */
function weight(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000; // surrogates sort after U+FFFF
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Compares two keys in UTF-8 byte order: negative, zero or positive like `Array.sort` wants. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return weight(x) - weight(y);
  }
  return a.length - b.length;
}

const LONE_SURROGATE = /\p{Cs}/u;

/** Throws BadParameterError unless `k` is a non-empty, well-formed (no lone surrogates) string. */
export function checkKey(k: unknown): asserts k is string {
  if (typeof k !== 'string' || k === '') throw new BadParameterError('backend key must be a non-empty string');
  if (LONE_SURROGATE.test(k)) throw new BadParameterError(`backend key ${JSON.stringify(k)} is not well-formed Unicode`);
}

/** Throws BadParameterError unless `item` has a valid key, a well-formed string value and a finite `expires`. */
export function checkItem(item: ItemInput): void {
  if (item === null || typeof item !== 'object') throw new BadParameterError('backend item must be an object');
  checkKey(item.key);
  if (typeof item.value !== 'string') throw new BadParameterError(`backend item ${item.key}: value must be a string`);
  // Stores keep UTF-8; a lone surrogate would come back as U+FFFD and break compare-and-swap.
  if (LONE_SURROGATE.test(item.value)) throw new BadParameterError(`backend item ${item.key}: value is not well-formed Unicode`);
  if (item.expires !== undefined && !Number.isFinite(item.expires)) {
    throw new BadParameterError(`backend item ${item.key}: expires must be a finite number of ms since the epoch`);
  }
}

/** Throws BadParameterError unless the range bounds are strings and `limit` is absent or a non-negative integer. */
export function checkRange(startKey: string, endKey: string, limit?: number): void {
  if (typeof startKey !== 'string' || typeof endKey !== 'string') {
    throw new BadParameterError('backend range bounds must be strings');
  }
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new BadParameterError(`backend range limit must be a non-negative integer, got ${String(limit)}`);
  }
}

/** True when the item has an expiry at or before `now`. */
export function isExpired(expires: number | undefined | null, now: number): boolean {
  return expires !== undefined && expires !== null && expires <= now;
}
