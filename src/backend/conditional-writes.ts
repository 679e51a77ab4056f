/**
 * The Backend's conditional writes, written once on two primitives each implementation provides:
 * write an item, or delete a key, once a precondition holds for the key's current live item, checked
 * inside the implementation's own atomic step (a transaction, a compare-and-commit loop, a
 * conditional put). The input checks and the errors are preconditions.ts's.
 */
import type { ItemInput, Lease } from './backend.js';
import { preconditions } from './preconditions.js';
import type { Precondition } from './preconditions.js';

/** Base of every Backend implementation: create, update, compareAndSwap, conditionalUpdate, delete, conditionalDelete. */
export abstract class ConditionalWrites {
  /** Writes `item` once `pre` holds, else throws its typed error; `what` names the operation in errors. */
  protected abstract writeIf(what: string, item: ItemInput, pre: Precondition): Promise<Lease>;
  /** Deletes `pre.key` once `pre` holds, else throws its typed error. */
  protected abstract removeIf(what: string, pre: Precondition): Promise<void>;

  async create(item: ItemInput): Promise<Lease> {
    return this.writeIf('create', item, preconditions.create(item));
  }

  async update(item: ItemInput): Promise<Lease> {
    return this.writeIf('update', item, preconditions.update(item));
  }

  async compareAndSwap(expected: ItemInput, replaceWith: ItemInput): Promise<Lease> {
    return this.writeIf('compareAndSwap', replaceWith, preconditions.compareAndSwap(expected, replaceWith));
  }

  async conditionalUpdate(item: ItemInput, revision: string): Promise<Lease> {
    return this.writeIf('conditionalUpdate', item, preconditions.conditionalUpdate(item, revision));
  }

  async delete(key: string): Promise<void> {
    return this.removeIf('delete', preconditions.delete(key));
  }

  async conditionalDelete(key: string, revision: string): Promise<void> {
    return this.removeIf('conditionalDelete', preconditions.conditionalDelete(key, revision));
  }
}
