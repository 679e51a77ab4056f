/**
 * The machine's PostgreSQL for tests (trust auth; TEST_PG_CONN overrides the address), with a
 * schema of its own for each store, so test files running in parallel never share tables.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where tests find PostgreSQL. */
export const TEST_PG_CONN = process.env.TEST_PG_CONN ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** Runs one statement on a connection of its own. */
export async function pgQuery(text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: TEST_PG_CONN });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

/**
 * Schema names starting with `prefix`, unique to this process and run (`run` is that unique prefix,
 * for other objects a test names); `dropAll` drops every schema handed out.
 */
export function testSchemas(prefix: string): { run: string; fresh(): string; dropAll(): Promise<void> } {
  const run = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const made: string[] = [];
  return {
    run,
    fresh: () => {
      const schema = `${run}_${made.length + 1}`;
      made.push(schema);
      return schema;
    },
    dropAll: async () => {
      for (const schema of made) await pgQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}
