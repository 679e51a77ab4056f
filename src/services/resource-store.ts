/**
 * A typed store of one resource kind on a Backend: JSON values under a key layout, expiry from
 * `metadata.expires`, revisions from the backend, validation on the way in and out.
 */
import { AlreadyExistsError, CompareFailedError, NotFoundError, isCode } from '../api/errors.js';
import type { Backend, Item } from '../backend/index.js';
import { rangeEnd } from '../backend/index.js';

/** The part of every resource this store relies on. */
export interface StoredResource {
  kind: string;
  metadata: { name: string; expires?: string; revision?: string };
}

/** How one kind is laid out and checked. */
export interface ResourceStoreOptions<T extends StoredResource> {
  backend: Backend;
  /** Human name used in errors (`role "dev" is not found`). */
  kind: string;
  /** Key of the resource `name`, e.g. `(n) => '/roles/' + n + '/params'`. */
  keyOf: (name: string) => string;
  /** Prefix under which every resource of this kind lives, e.g. `/roles/`. */
  prefix: string;
  /** Filters keys under `prefix` that hold resources (layouts like `/roles/<n>/params` have siblings). */
  isResourceKey?: (key: string) => boolean;
  /** Validates and applies defaults; throws BadParameterError. */
  validate: (value: unknown) => T;
}

/** CRUD for one kind. Throws NotFoundError, AlreadyExistsError, CompareFailedError, BadParameterError. */
export class ResourceStore<T extends StoredResource> {
  constructor(private readonly opts: ResourceStoreOptions<T>) {}

  /** The stored resource, with `metadata.revision` set. */
  async get(name: string): Promise<T> {
    try {
      return this.decode(await this.opts.backend.get(this.opts.keyOf(name)));
    } catch (err) {
      if (isCode(err, 'not_found')) throw new NotFoundError(`${this.opts.kind} "${name}" is not found`, { cause: err });
      throw err;
    }
  }

  /** Every stored resource of the kind, sorted by name. */
  async list(): Promise<T[]> {
    const items = await this.opts.backend.getRange(this.opts.prefix, rangeEnd(this.opts.prefix));
    const keep = this.opts.isResourceKey ?? (() => true);
    return items.filter((i) => keep(i.key)).map((i) => this.decode(i));
  }

  /** Stores a new resource; AlreadyExistsError when the name is taken. */
  async create(resource: T): Promise<T> {
    const r = this.opts.validate(resource);
    try {
      const lease = await this.opts.backend.create(this.encode(r));
      return { ...r, metadata: { ...r.metadata, revision: lease.revision } };
    } catch (err) {
      if (isCode(err, 'already_exists')) {
        throw new AlreadyExistsError(`${this.opts.kind} "${r.metadata.name}" already exists`, { cause: err });
      }
      throw err;
    }
  }

  /** Stores the resource whether or not it exists. */
  async upsert(resource: T): Promise<T> {
    const r = this.opts.validate(resource);
    const lease = await this.opts.backend.put(this.encode(r));
    return { ...r, metadata: { ...r.metadata, revision: lease.revision } };
  }

  /**
   * Replaces an existing resource. With `metadata.revision` set, only when nobody changed it since
   * it was read (CompareFailedError otherwise).
   */
  async update(resource: T): Promise<T> {
    const r = this.opts.validate(resource);
    const expected = resource.metadata.revision;
    try {
      const lease = expected
        ? await this.opts.backend.conditionalUpdate(this.encode(r), expected)
        : await this.opts.backend.update(this.encode(r));
      return { ...r, metadata: { ...r.metadata, revision: lease.revision } };
    } catch (err) {
      if (isCode(err, 'not_found')) throw new NotFoundError(`${this.opts.kind} "${r.metadata.name}" is not found`, { cause: err });
      if (isCode(err, 'compare_failed')) {
        throw new CompareFailedError(`${this.opts.kind} "${r.metadata.name}" was changed concurrently; read it again and retry`, { cause: err });
      }
      throw err;
    }
  }

  /** Removes the resource; NotFoundError when absent. */
  async delete(name: string): Promise<void> {
    try {
      await this.opts.backend.delete(this.opts.keyOf(name));
    } catch (err) {
      if (isCode(err, 'not_found')) throw new NotFoundError(`${this.opts.kind} "${name}" is not found`, { cause: err });
      throw err;
    }
  }

  private encode(r: T): { key: string; value: string; expires?: number } {
    const { revision: _revision, ...metadata } = r.metadata;
    const value = JSON.stringify({ ...r, metadata });
    const expires = r.metadata.expires ? Date.parse(r.metadata.expires) : undefined;
    return expires !== undefined && !Number.isNaN(expires)
      ? { key: this.opts.keyOf(r.metadata.name), value, expires }
      : { key: this.opts.keyOf(r.metadata.name), value };
  }

  private decode(item: Item): T {
    const r = this.opts.validate(JSON.parse(item.value));
    return { ...r, metadata: { ...r.metadata, revision: item.revision } };
  }
}
