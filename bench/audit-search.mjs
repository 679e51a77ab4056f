#!/usr/bin/env node
// Audit search benchmark: fills the cluster database's event store (SQLite, the same code the auth
// server runs, bundled from src/ with esbuild) with a million events in a temp dir, then times the
// searches the API and the web UI make — by user and time range, by type, by several types, by
// session ID, paging with startKey, the latest hour — each against the same search answered by a
// full scan of the same table (no index), as ratios. Medians of several runs, page size 500
// (Teleport's default).
//
//   node bench/audit-search.mjs [--events=1000000] [--runs=15] [--scan-runs=3] [--keep]
import { build } from 'esbuild';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '15' },
    'scan-runs': { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
  },
});
const TOTAL = Number(opts.events);
const RUNS = Number(opts.runs);
const SCAN_RUNS = Number(opts['scan-runs']);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const dir = await mkdtemp(join(tmpdir(), 'bench-audit-'));
// Inside the repository so that the bundle's imports of better-sqlite3 and pino resolve.
const bundle = join(root, 'node_modules', '.cache', 'bench-audit', 'events.mjs');
await build({
  absWorkingDir: root,
  entryPoints: ['src/events/index.ts'],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pino'],
  logLevel: 'error',
});
const { SqliteEventStore, parseQuery } = await import(pathToFileURL(bundle).href);

// A month of activity: 200 users, sessions of a few events each, logins, resource changes.
const DAY = 86_400_000;
const END = Date.UTC(2026, 5, 30);
const START = END - 30 * DAY;
const USERS = Array.from({ length: 200 }, (_, i) => `user-${i}`);
const MIX = [
  ['session.start', 'T2000I', 18], ['exec', 'T3002I', 30], ['session.end', 'T2004I', 18], ['user.login', 'T1000I', 10],
  ['user.login', 'T1000W', 2], ['cert.create', 'TC000I', 10], ['port.local', 'T3003I', 4], ['scp', 'T3005I', 3],
  ['auth', 'T3007W', 2], ['role.created', 'T9000I', 1], ['client.disconnect', 'T3006I', 2],
];
const weights = MIX.flatMap(([type, code, w]) => Array(w).fill([type, code]));
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

function* events(n) {
  let sid = '';
  for (let i = 0; i < n; i++) {
    const [event, code] = weights[Math.floor(rand() * weights.length)];
    const user = USERS[Math.floor(rand() * USERS.length)];
    if (event === 'session.start' || !sid || rand() < 0.2) sid = `${i.toString(16).padStart(8, '0')}-aaaa-4bbb-8ccc-${(i * 7919).toString(16).padStart(12, '0').slice(-12)}`;
    const inSession = ['session.start', 'exec', 'session.end', 'port.local', 'scp'].includes(event);
    yield {
      event,
      code,
      time: new Date(START + Math.floor((i / n) * 30 * DAY + rand() * 1000)).toISOString(),
      uid: `${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, '0')}-${i.toString(16).padStart(12, '0')}`,
      ei: 0,
      user,
      login: 'ubuntu',
      cluster_name: 'bench.example.com',
      server_id: `node-${i % 50}`,
      server_hostname: `host-${i % 50}`,
      'addr.remote': `10.0.${i % 250}.${i % 200}:${30000 + (i % 30000)}`,
      ...(inSession && { sid }),
      ...(event === 'exec' && { command: `ls -la /var/log/app-${i % 100}`, exitCode: '0' }),
    };
  }
}

const path = join(dir, 'events.db');
const store = SqliteEventStore.open({ path });
let t = performance.now();
const batch = [];
for (const e of events(TOTAL)) {
  batch.push(e);
  if (batch.length === 20_000) store.writeMany(batch.splice(0));
}
store.writeMany(batch.splice(0));
const fillSec = (performance.now() - t) / 1000;
const size = (await stat(path)).size + (await stat(`${path}-wal`).catch(() => ({ size: 0 }))).size;
console.log(`filled ${store.count().toLocaleString('en')} events in ${fillSec.toFixed(1)} s (${Math.round(TOTAL / fillSec).toLocaleString('en')}/s), ${(size / 2 ** 20).toFixed(0)} MiB on disk`);

// A session that exists, a busy user's day, the last hour.
const sample = (await store.search(parseQuery({ types: ['exec'], from: new Date(START + 15 * DAY).toISOString(), limit: 1 }))).events[0];
const day = (d) => new Date(START + d * DAY).toISOString();
const CASES = [
  ['user + 1 day', { user: 'user-17', from: day(12), to: day(13) }],
  ['user + 30 days, desc', { user: 'user-17', order: 'desc' }],
  ['type (user.login)', { types: ['user.login'] }],
  ['type in range, desc', { types: ['exec'], from: day(20), to: day(21), order: 'desc' }],
  ['two types (start+end)', { types: ['session.start', 'session.end'], order: 'desc' }],
  ['session ID', { sid: sample.sid }],
  ['latest hour, desc', { from: new Date(END - 3600_000).toISOString(), order: 'desc' }],
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn, runs) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    out.push(performance.now() - s);
  }
  return median(out);
}

const rows = [];
for (const [name, q] of CASES) {
  const parsed = parseQuery({ limit: 500, ...q });
  let got = 0;
  // search() is async only in its signature: SQLite answers synchronously inside it.
  const indexed = time(() => void store.search(parsed).then((p) => (got = p.events.length)), RUNS);
  const scan = time(() => store.scanSearch(parsed), SCAN_RUNS);
  const a = (await store.search(parsed)).events.map((e) => e.uid);
  const b = store.scanSearch(parsed).slice(0, parsed.limit).map((e) => e.uid);
  if (a.join() !== b.join()) throw new Error(`${name}: the indexed and scanned results differ`);
  rows.push({ name, got, indexed, scan });
}

// Paging: ten pages of 500 exec events, newest first, each page from the previous startKey.
{
  const pageTimes = [];
  let startKey = '';
  for (let i = 0; i < 10; i++) {
    const parsed = parseQuery({ types: ['exec'], order: 'desc', limit: 500, startKey });
    const s = performance.now();
    const page = await store.search(parsed);
    pageTimes.push(performance.now() - s);
    startKey = page.startKey;
  }
  const parsed = parseQuery({ types: ['exec'], order: 'desc', limit: 500, startKey });
  const scan = time(() => store.scanSearch(parsed), SCAN_RUNS);
  rows.push({ name: '10th page of exec, desc', got: 500, indexed: median(pageTimes), scan });
}

const pad = (s, n) => String(s).padEnd(n);
const num = (x) => x.toFixed(x < 10 ? 2 : 1).padStart(9);
console.log(`\nsearches over ${TOTAL.toLocaleString('en')} events, page size 500, medians of ${RUNS} (indexed) and ${SCAN_RUNS} (scan) runs`);
console.log(`${pad('search', 26)}${pad('events', 8)}${'indexed ms'.padStart(11)}${'scan ms'.padStart(10)}${'indexed/scan'.padStart(14)}${'speedup'.padStart(10)}`);
for (const r of rows) {
  console.log(`${pad(r.name, 26)}${pad(r.got, 8)}${num(r.indexed)}  ${num(r.scan)}${(r.indexed / r.scan).toFixed(4).padStart(14)}${`${Math.round(r.scan / r.indexed)}x`.padStart(10)}`);
}

await store.close();
if (opts.keep) console.log(`\nkept ${dir}`);
else await rm(dir, { recursive: true, force: true });
