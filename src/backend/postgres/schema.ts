/**
 * The PostgreSQL backend's tables and their creation. `kv` holds the items; `kv_events` is the
 * change log every write appends to in its transaction (the watch feed reads it after a NOTIFY);
 * `kv_meta` holds the revision counter whose row lock orders all writers, and the pruning mark.
 */
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { BadParameterError } from '../../api/errors.js';

/** Schema version stored in `kv_meta`; bump with a migration when the tables change. */
export const SCHEMA_VERSION = 1;

/** Quoted, schema-qualified table names and the NOTIFY channel of one backend. */
export interface PgNames {
  schema?: string;
  kv: string;
  events: string;
  meta: string;
  /** NOTIFY channel; one per schema so backends in different schemas do not wake each other. */
  channel: string;
}

/** Quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The names for tables in `schema` (absent: the connection's search_path, usually `public`). */
export function pgNames(schema?: string): PgNames {
  const q = (t: string): string => (schema ? `${quoteIdent(schema)}.${quoteIdent(t)}` : quoteIdent(t));
  // Channel names are identifiers (at most 63 bytes): hash the schema rather than embed it.
  const channel = schema ? `teleport_kv_${createHash('sha256').update(schema).digest('hex').slice(0, 24)}` : 'teleport_kv';
  return { schema, kv: q('kv'), events: q('kv_events'), meta: q('kv_meta'), channel };
}

// An arbitrary constant: the advisory lock taken while creating tables, so two auth servers
// starting at once do not race on CREATE TABLE.
const MIGRATION_LOCK = 0x74656c65;

/**
 * Creates the schema and tables when missing and checks the version. Throws BadParameterError when
 * the database holds a `kv` table of another layout (Teleport's own, for instance) or a newer schema.
 */
export async function migrate(client: PoolClient, n: PgNames): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    if (n.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(n.schema)}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${n.kv} (
        key bytea PRIMARY KEY,
        value bytea NOT NULL,
        expires bigint,
        revision bigint NOT NULL
      );
      CREATE INDEX IF NOT EXISTS kv_expires_idx ON ${n.kv} (expires) WHERE expires IS NOT NULL;
      CREATE TABLE IF NOT EXISTS ${n.events} (
        rev bigint NOT NULL,
        idx integer NOT NULL,
        kind smallint NOT NULL,
        key bytea NOT NULL,
        value bytea,
        expires bigint,
        revision bigint,
        created timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (rev, idx)
      );
      CREATE INDEX IF NOT EXISTS kv_events_created_idx ON ${n.events} (created);
      CREATE TABLE IF NOT EXISTS ${n.meta} (
        name text PRIMARY KEY,
        value bigint NOT NULL
      );
      INSERT INTO ${n.meta} (name, value) VALUES ('revision', 0), ('pruned', 0), ('schema_version', ${SCHEMA_VERSION})
        ON CONFLICT (name) DO NOTHING;
    `);
    const layout = await client.query<{ data_type: string }>(
      `SELECT data_type FROM information_schema.columns
        WHERE table_schema = coalesce($1, current_schema()) AND table_name = 'kv' AND column_name = 'expires'`,
      [n.schema ?? null],
    );
    if (layout.rows[0]?.data_type !== 'bigint') {
      throw new BadParameterError(
        `postgresql backend: table kv${n.schema ? ` in schema ${n.schema}` : ''} has another layout (not created by this release); use a database of its own`,
      );
    }
    const version = await client.query<{ value: string }>(`SELECT value FROM ${n.meta} WHERE name = 'schema_version'`);
    if (Number(version.rows[0]?.value) > SCHEMA_VERSION) {
      throw new BadParameterError(
        `postgresql backend: schema version ${version.rows[0]?.value} is newer than this build's ${SCHEMA_VERSION}; upgrade teleport`,
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
