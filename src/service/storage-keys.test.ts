// The sqlite storage keys act: from teleport.yaml through backendSpec to the opened file (journal
// and sync read back as pragmas, no -wal file in DELETE mode) and the watch buffer (buffer_size);
// etcd's and DynamoDB's buffer_size reach the backend's options. Named by src/config/key-proofs.test.ts.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../api/clock.js';
import { LimitExceededError } from '../api/errors.js';
import { WatchReader } from '../backend/testing/watch-reader.js';
import { parseConfig } from '../config/index.js';
import { backendSpec, openStorage } from './storage.js';

const dir = mkdtempSync(join(tmpdir(), 'storage-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A sqlite storage section under a fresh data dir, with `extra` lines (4-space indented). */
function sqliteStorage(extra: string): ReturnType<typeof parseConfig>['teleport']['storage'] {
  const dataDir = join(dir, `d${++n}`);
  return parseConfig(`teleport:\n  data_dir: ${dataDir}\n  storage:\n    type: sqlite\n${extra}`, { hostname: 'h' }).teleport.storage;
}

/** Opens the store, writes one item, closes it, and reads the pragmas back from the file. */
async function pragmasAfterWrite(extra: string): Promise<{ journal: string; wal: boolean; file: string }> {
  const storage = sqliteStorage(extra);
  const b = await openStorage(storage, systemClock);
  await b.put({ key: '/k', value: 'v' });
  const file = join(storage.path, 'sqlite.db');
  const wal = existsSync(`${file}-wal`);
  await b.close();
  const db = new Database(file, { readonly: true });
  const journal = db.pragma('journal_mode', { simple: true }) as string;
  db.close();
  return { journal, wal, file };
}

describe('storage keys of type sqlite', () => {
  it('journal: DELETE keeps no -wal file; the default is WAL', async () => {
    const del = await pragmasAfterWrite('    journal: DELETE\n');
    expect(del.wal).toBe(false);
    expect(del.journal).toBe('delete');
    const def = await pragmasAfterWrite('');
    expect(def.journal).toBe('wal'); // WAL is recorded in the file itself
  });

  it('journal: truncate (any case) is the journal mode of the open store', async () => {
    const storage = sqliteStorage('    journal: truncate\n');
    expect(await backendSpec(storage)).toMatchObject({ journal: 'TRUNCATE' });
    const b = await openStorage(storage, systemClock);
    await b.put({ key: '/k', value: 'v' });
    expect(existsSync(join(storage.path, 'sqlite.db-wal'))).toBe(false);
    await b.close();
  });

  it.each([
    ['OFF', 0],
    ['NORMAL', 1],
    ['FULL', 2],
    ['EXTRA', 3],
  ] as const)('sync: %s is PRAGMA synchronous %i on the backend connection', async (mode, level) => {
    const storage = sqliteStorage(`    sync: ${mode.toLowerCase()}\n`);
    const spec = await backendSpec(storage);
    expect(spec).toMatchObject({ type: 'sqlite', sync: mode });
    // The pragma is per connection: open one as SqliteBackend.open does with this spec.
    const { openDatabase } = await import('../backend/sqlite/open-db.js');
    const db = openDatabase((spec as { path: string }).path, { sync: mode });
    expect(db.pragma('synchronous', { simple: true })).toBe(level);
    db.close();
  });

  it('an unknown sync or journal mode is refused at load with the key and line', () => {
    expect(() => sqliteStorage('    sync: fast\n')).toThrow(/teleport\.yaml:5: teleport\.storage\.sync: unsupported value "fast"; expected one of: OFF, NORMAL, FULL, EXTRA/);
    expect(() => sqliteStorage('    journal: wal2\n')).toThrow(/teleport\.yaml:5: teleport\.storage\.journal: unsupported value "wal2"/);
  });

  it('buffer_size: a watcher more than buffer_size events behind is dropped', async () => {
    const b = await openStorage(sqliteStorage('    buffer_size: 3\n'), systemClock);
    const w = new WatchReader(b.watch({ prefixes: [] })); // init is one buffered event
    for (let i = 0; i < 2; i++) await b.put({ key: `/k/${i}`, value: 'v' });
    expect(w.watcher.error).toBeUndefined();
    await b.put({ key: '/k/over', value: 'v' });
    expect(w.watcher.error).toBeInstanceOf(LimitExceededError);
    await b.close();
  });
});

describe('keys of the shared stores reach the backend', () => {
  const storageOf = (body: string): ReturnType<typeof parseConfig>['teleport']['storage'] =>
    parseConfig(`teleport:\n  storage:\n${body}`, { hostname: 'h' }).teleport.storage;

  it('etcd buffer_size and etcd_max_client_msg_size_bytes reach the backend', async () => {
    const spec = await backendSpec(
      storageOf('    type: etcd\n    peers: [http://e:2379]\n    prefix: /t\n    insecure: true\n    buffer_size: 77\n    etcd_max_client_msg_size_bytes: 4096\n'),
    );
    expect(spec).toMatchObject({ type: 'etcd', watchBufferLimit: 77, maxClientMsgSizeBytes: 4096 });
  });

  it('dynamodb buffer_size is the watch buffer limit', async () => {
    const spec = await backendSpec(storageOf('    type: dynamodb\n    table_name: t\n    buffer_size: 55\n'));
    expect(spec).toMatchObject({ type: 'dynamodb', watchBufferLimit: 55 });
  });

  it('dynamodb provisioned capacity and continuous_backups reach the backend', async () => {
    const spec = await backendSpec(
      storageOf('    type: dynamodb\n    table_name: t\n    billing_mode: provisioned\n    read_capacity_units: 7\n    write_capacity_units: 3\n    continuous_backups: true\n'),
    );
    expect(spec).toMatchObject({ type: 'dynamodb', billingMode: 'provisioned', readCapacityUnits: 7, writeCapacityUnits: 3, continuousBackups: true });
  });
});
