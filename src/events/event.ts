/**
 * Building audit events: the typed constructor every emit site uses, completing an event with its
 * uid, time and index, and checking an event that arrived over the network against the registry.
 */
import { randomFillSync } from 'node:crypto';
import type { AuditEvent, AuditEventInput } from '../api/audit-wire.js';
import type { Clock } from '../api/clock.js';
import { BadParameterError } from '../api/errors.js';
import { isRegisteredPair, type CodeOf, type EventType } from './registry.js';

/** Fields of an event besides `event` and `code`. */
export type EventFields = Omit<AuditEventInput, 'event' | 'code'>;

/**
 * An event of a registered type with one of its registered codes (checked by the compiler): the
 * only way events are built in this code base.
 */
export function auditEvent<T extends EventType>(type: T, code: CodeOf<T>, fields: EventFields = {}): AuditEventInput {
  return { ...fields, event: type, code };
}

/** Teleport's namespace for everything. */
export const DEFAULT_NAMESPACE = 'default';

/** The largest event we store (its JSON), as Teleport's limit on one audit event. */
export const MAX_EVENT_BYTES = 64 * 1024;

let lastMs = 0;
let seq = 0;
/** Random bytes drawn in bulk: one getrandom per 400 uids instead of two per uid. */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function randomFromPool(n: number): Buffer {
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += n;
  return pool.subarray(poolAt - n, poolAt);
}

/**
 * A UUIDv7 (RFC 9562) whose 12-bit counter makes the uids of one process increase in the order they
 * are made: searches order by (time, uid), so events of one host stamped with the same millisecond
 * (an exec and its session.end) keep the order they happened in.
 */
export function newEventUID(nowMs: number): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    seq = randomFromPool(2).readUInt16BE(0) & 0x3ff;
  } else if (++seq > 0xfff) {
    lastMs++;
    seq = 0;
  }
  const ms = lastMs.toString(16).padStart(12, '0').slice(-12);
  const r = randomFromPool(8);
  const rand = ((r[0] & 0x3f) | 0x80).toString(16).padStart(2, '0') + r.toString('hex', 1);
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${seq.toString(16).padStart(3, '0')}-${rand.slice(0, 4)}-${rand.slice(4)}`;
}

/** The longest string an event keeps (a user name, an error, a command line); longer ones are cut with a marker. */
export const MAX_EVENT_STRING = 4096;
/** Strings are cut to this when an event is still larger than MAX_EVENT_BYTES. */
const MIN_EVENT_STRING = 256;
/** Nesting an event keeps; deeper values are replaced by the marker. */
const MAX_EVENT_DEPTH = 8;

/**
 * `value` with every string cut to `max` characters (`…[truncated N characters]` appended), lists to
 * 1,000 items and nesting to MAX_EVENT_DEPTH. Every field a stranger can fill (a login's user name,
 * an error naming it) passes here before any sink stores it, so a megabyte user name costs a few KB.
 */
export function boundEventValue(value: unknown, max = MAX_EVENT_STRING, depth = 0): unknown {
  if (typeof value === 'string') return value.length <= max ? value : `${value.slice(0, max)}…[truncated ${value.length - max} characters]`;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_EVENT_DEPTH) return '…[truncated: nested too deep]';
  if (Array.isArray(value)) {
    const items = value.slice(0, 1000).map((v) => boundEventValue(v, max, depth + 1));
    return value.length > 1000 ? [...items, `…[truncated ${value.length - 1000} items]`] : items;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[boundEventValue(k, MIN_EVENT_STRING) as string] = boundEventValue(v, max, depth + 1);
  return out;
}

/**
 * Fills in what an emitter may leave out (a uid, the time from `clock`, index 0) and bounds the
 * event's strings (boundEventValue), harder when it would still pass MAX_EVENT_BYTES.
 */
export function completeEvent(input: AuditEventInput, clock: Clock): AuditEvent {
  let bounded = boundEventValue(input) as AuditEventInput;
  if (Buffer.byteLength(JSON.stringify(bounded)) > MAX_EVENT_BYTES) bounded = boundEventValue(input, MIN_EVENT_STRING) as AuditEventInput;
  return {
    ...bounded,
    uid: input.uid ?? newEventUID(clock.now()),
    time: input.time ?? new Date(clock.now()).toISOString(),
    ei: input.ei ?? 0,
  } as AuditEvent;
}

/** Epoch ms of an event's `time`. */
export function eventTimeMs(e: AuditEvent): number {
  return Date.parse(e.time);
}

const UID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Checks an event from another process: an object, a registered (event, code) pair, a sane uid,
 * time and index, string `user`/`sid`/`server_id`, and at most MAX_EVENT_BYTES of JSON.
 * Throws BadParameterError naming what is wrong; returns the event unchanged otherwise.
 */
export function checkIncomingEvent(raw: unknown): AuditEventInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadParameterError('an audit event must be a JSON object');
  const ev = raw as Record<string, unknown>;
  if (typeof ev.event !== 'string' || typeof ev.code !== 'string') throw new BadParameterError('an audit event needs string "event" and "code" fields');
  if (!isRegisteredPair(ev.event, ev.code)) throw new BadParameterError(`unknown audit event "${ev.event}" with code "${ev.code}"`);
  if (ev.uid !== undefined && (typeof ev.uid !== 'string' || !UID.test(ev.uid))) throw new BadParameterError(`audit event ${ev.event}: invalid uid`);
  if (ev.time !== undefined && (typeof ev.time !== 'string' || Number.isNaN(Date.parse(ev.time)))) {
    throw new BadParameterError(`audit event ${ev.event}: "time" must be an RFC 3339 time`);
  }
  if (ev.ei !== undefined && (!Number.isInteger(ev.ei) || (ev.ei as number) < 0)) throw new BadParameterError(`audit event ${ev.event}: "ei" must be a non-negative integer`);
  for (const f of ['user', 'sid', 'server_id', 'login', 'cluster_name']) {
    if (ev[f] !== undefined && typeof ev[f] !== 'string') throw new BadParameterError(`audit event ${ev.event}: "${f}" must be a string`);
  }
  if (Buffer.byteLength(JSON.stringify(ev)) > MAX_EVENT_BYTES) throw new BadParameterError(`audit event ${ev.event} is larger than ${MAX_EVENT_BYTES} bytes`);
  return ev as AuditEventInput;
}

/** A token or other secret as events show it: only its last quarter (Teleport's MaskKeyName). */
export function maskSecret(secret: string): string {
  const keep = Math.floor(secret.length / 4);
  return '*'.repeat(secret.length - keep) + secret.slice(secret.length - keep);
}
