/**
 * JSON values as DynamoDB attribute values and back: an event's fields are stored as a map
 * (Teleport's `FieldsMap`), so tools and filter expressions can reach `FieldsMap.user`.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** A JSON value (after JSON.stringify's normalisation: no undefined, functions or non-finite numbers). */
export function toAttribute(v: unknown): AttributeValue {
  if (v === null || v === undefined) return { NULL: true };
  if (typeof v === 'string') return { S: v };
  if (typeof v === 'boolean') return { BOOL: v };
  if (typeof v === 'number') return Number.isFinite(v) ? { N: String(v) } : { NULL: true };
  if (Array.isArray(v)) return { L: v.map(toAttribute) };
  if (typeof v === 'object') {
    const m: Record<string, AttributeValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) m[k] = toAttribute(x);
    return { M: m };
  }
  return { NULL: true };
}

/** The JSON value of an attribute; sets become arrays, binary becomes base64. */
export function fromAttribute(a: AttributeValue): unknown {
  if (a.S !== undefined) return a.S;
  if (a.N !== undefined) return Number(a.N);
  if (a.BOOL !== undefined) return a.BOOL;
  if (a.NULL) return null;
  if (a.L) return a.L.map(fromAttribute);
  if (a.M) return Object.fromEntries(Object.entries(a.M).map(([k, x]) => [k, fromAttribute(x)]));
  if (a.SS) return [...a.SS];
  if (a.NS) return a.NS.map(Number);
  if (a.B) return Buffer.from(a.B).toString('base64');
  if (a.BS) return a.BS.map((b) => Buffer.from(b).toString('base64'));
  return null;
}
