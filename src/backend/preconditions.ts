/**
 * The preconditions of the Backend's writes, written once for every implementation: each
 * operation's input checks, what it requires of the key's current live item, and the typed error
 * (the same message in every backend) when that requirement does not hold. A backend reads the
 * current item inside whatever makes its write atomic (a transaction, a compare-and-commit loop, a
 * conditional put) and asks `violation` or `enforce` there.
 */
import { AlreadyExistsError, BadParameterError, CompareFailedError, NotFoundError } from '../api/errors.js';
import type { ItemInput, Lease } from './backend.js';
import { checkItem, checkKey } from './key-order.js';

/** What a write of `key` requires of its current live item (absent or expired items are not live). */
export type Precondition =
  | { key: string; require: 'absent' }
  | { key: string; require: 'live' }
  | { key: string; require: 'value'; value: string }
  | { key: string; require: 'revision'; revision: string }
  | { key: string; require: 'lease'; revision: string };

/** The part of the current live item a precondition looks at. */
export interface LiveState {
  value: string;
  revision: string;
}

/**
 * Each write's input checks (BadParameterError for malformed input) and the precondition it then
 * puts on the key. `put` and `deleteRange` have none: they only check their input.
 */
export const preconditions = {
  create(item: ItemInput): Precondition {
    checkItem(item);
    return { key: item.key, require: 'absent' };
  },
  update(item: ItemInput): Precondition {
    checkItem(item);
    return { key: item.key, require: 'live' };
  },
  /** Both items must name the same key; the precondition is on `expected`'s value. */
  compareAndSwap(expected: ItemInput, replaceWith: ItemInput): Precondition {
    checkItem(expected);
    checkItem(replaceWith);
    if (expected.key !== replaceWith.key) {
      throw new BadParameterError(`compareAndSwap keys differ: ${expected.key} and ${replaceWith.key}`);
    }
    return { key: expected.key, require: 'value', value: expected.value };
  },
  conditionalUpdate(item: ItemInput, revision: string): Precondition {
    checkItem(item);
    return { key: item.key, require: 'revision', revision };
  },
  delete(key: string): Precondition {
    checkKey(key);
    return { key, require: 'live' };
  },
  conditionalDelete(key: string, revision: string): Precondition {
    checkKey(key);
    return { key, require: 'revision', revision };
  },
  /** The lease's item must still be live at the lease's revision; `expires` must be finite. */
  keepAlive(lease: Lease, expires: number): Precondition {
    checkKey(lease?.key);
    if (!Number.isFinite(expires)) throw new BadParameterError(`keepAlive ${lease.key}: expires must be a finite number`);
    return { key: lease.key, require: 'lease', revision: lease.revision };
  },
};

/** The error for a read of a key that is absent or expired. */
export function notFound(key: string): NotFoundError {
  return new NotFoundError(`key ${key} is not found`);
}

/**
 * The error a write must fail with when `cur` (the key's live item, undefined when absent or
 * expired) does not meet `pre`, or undefined when it does: AlreadyExistsError, NotFoundError (also
 * for a lease whose item was rewritten) or CompareFailedError.
 */
export function violation(pre: Precondition, cur: LiveState | undefined): Error | undefined {
  switch (pre.require) {
    case 'absent':
      return cur ? new AlreadyExistsError(`key ${pre.key} already exists`) : undefined;
    case 'lease':
      return cur?.revision === pre.revision ? undefined : new NotFoundError(`lease on key ${pre.key} is not found`);
    case 'live':
      return cur ? undefined : notFound(pre.key);
    case 'value':
      if (!cur) return notFound(pre.key);
      return cur.value === pre.value ? undefined : new CompareFailedError(`key ${pre.key} does not hold the expected value`);
    case 'revision':
      if (!cur) return notFound(pre.key);
      return cur.revision === pre.revision ? undefined : new CompareFailedError(`key ${pre.key} is not at revision ${pre.revision}`);
  }
}

/** Throws `violation(pre, cur)` when there is one. */
export function enforce(pre: Precondition, cur: LiveState | undefined): void {
  const err = violation(pre, cur);
  if (err) throw err;
}
