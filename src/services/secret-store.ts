/** A store of opaque per-name secrets (password hashes) beside the resources they belong to. */
import { NotFoundError, isCode } from '../api/errors.js';
import type { Backend } from '../backend/index.js';

/** Get/set/delete one secret string per name. get throws NotFoundError when none is set. */
export class SecretStore {
  constructor(
    private readonly backend: Backend,
    private readonly keyOf: (name: string) => string,
  ) {}

  async get(name: string): Promise<string> {
    try {
      return (await this.backend.get(this.keyOf(name))).value;
    } catch (err) {
      if (isCode(err, 'not_found')) throw new NotFoundError(`no secret is set for "${name}"`, { cause: err });
      throw err;
    }
  }

  async set(name: string, secret: string): Promise<void> {
    await this.backend.put({ key: this.keyOf(name), value: secret });
  }

  /** Removes the secret; no error when none is set. */
  async delete(name: string): Promise<void> {
    try {
      await this.backend.delete(this.keyOf(name));
    } catch (err) {
      if (!isCode(err, 'not_found')) throw err;
    }
  }
}
