// Two clusters' auth servers writing their audit logs into one PostgreSQL database (a schema of
// its own on the machine's server), each with a file:// sink after it, as
// `audit_events_uri: ['postgresql://...', 'file:///var/log/...']` in teleport.yaml: each searches
// PostgreSQL (the first searchable sink) over the API and sees the other's events.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

const CONN = process.env.TEST_PG_CONN ?? 'postgresql://postgres@127.0.0.1:5432/test';
const schema = `evcluster_${process.pid}_${randomBytes(3).toString('hex')}`;

async function sql(text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: CONN });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

describe('audit log on PostgreSQL shared by two auth servers', () => {
  let dir: string;
  let one: TestCluster;
  let two: TestCluster;
  let admin1: AuthClient;
  let admin2: AuthClient;
  const started = new Date(Date.now() - 1000).toISOString();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-shared-'));
    await sql(`CREATE SCHEMA "${schema}"`);
    const uri = `${CONN}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    [one, two] = await Promise.all(
      ['one', 'two'].map((name) => startCluster({ clusterName: `${name}.test`, authExtra: `audit_events_uri: ['${uri}', 'file://${join(dir, name)}']` })),
    );
    [admin1, admin2] = await Promise.all([one.admin(), two.admin()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()]);
    await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('each auth server finds the other\'s events through the API; the file sink has its own', async () => {
    await admin1.generateToken({ roles: ['node'] });
    await admin2.generateToken({ roles: ['node'] });
    // Auth emits after answering the call: each event is written a moment later.
    for (const admin of [admin1, admin2]) {
      let clusters: string[] = [];
      for (let i = 0; i < 100 && clusters.length < 2; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        const page = await admin.searchEvents({ from: started, types: ['join_token.create'], limit: 100 });
        clusters = page.events.map((e) => String(e.cluster_name)).sort();
      }
      expect(clusters).toEqual(['one.test', 'two.test']);
    }
    const rows = await sql(`SELECT data->>'cluster_name' AS cluster FROM "${schema}".audit_events WHERE event_type = 'join_token.create'`);
    expect(rows.rows.map((r: { cluster: string }) => r.cluster).sort()).toEqual(['one.test', 'two.test']);
    const files = await readdir(join(dir, 'one'));
    const text = (await Promise.all(files.map((f) => readFile(join(dir, 'one', f), 'utf8')))).join('');
    expect(text).toContain('"cluster_name":"one.test"');
    expect(text).not.toContain('"cluster_name":"two.test"');
  });
});
