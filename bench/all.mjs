#!/usr/bin/env node
// Every benchmark in bench/, one after another, and ONE table of the goals of the performance issue:
// each path, ours, the baseline, the ratio, the goal, and whether it is met. Each bench runs as its
// own process; those that write machine-readable results (BENCH_JSON, see writeJsonResults in
// run.mjs) give their rows here, the others get a row pointing at their log. A bench that cannot
// run here (a missing tool, a failure) is a row saying so, not the end of the run.
//
//   node bench/all.mjs [--quick] [--only=ssh,tsh,copies,recording,db,sessions,web-terminal,presence,kube,app]
//                      [--logs=<dir>]
//
// --quick: sizes that fit in about 10 minutes on 2 cores (few runs, small payloads); without it each
// bench runs at its own defaults (an hour or more in all).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { goalRows } from './all-goals.mjs';

const BENCHES = {
  ssh: { quick: ['--size=64M', '--runs=1', '--latency-runs=3', '--ciphers=aes128-gcm@openssh.com'], needs: ['sshd', 'ssh'] },
  tsh: { quick: ['--runs=5'], needs: ['sshd', 'ssh'] },
  copies: { quick: ['--size=32M', '--files=200', '--runs=1', '--only=scp-J,scp-J-ours,tsh-scp'], needs: ['sshd', 'scp'] },
  recording: { quick: ['--size=64M', '--runs=1', '--data=text', '--only=throughput'], needs: ['ssh'] },
  db: { quick: ['--secs=5', '--runs=1', '--only=postgres'], needs: ['pgbench'] },
  sessions: { quick: ['--sessions=100,1000', '--openssh-max=100', '--bytes=64M'], needs: ['sshd'] },
  'web-terminal': { quick: ['--keys=100', '--concurrency=1,10,50', '--seconds=3', '--min-samples=50'], needs: [] },
  presence: { quick: ['--nodes=1000', '--backend=sqlite', '--runs=1', '--spread=10', '--downtime=5'], needs: [] },
  kube: { quick: ['--gets=10', '--size=32M', '--runs=1', '--secs=3'], needs: ['kubectl'] },
  app: { quick: ['--secs=3', '--runs=1'], needs: [] },
};

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    logs: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: node bench/all.mjs [--quick] [--only=${Object.keys(BENCHES).join(',')}] [--logs=<dir>]\n`);
  process.exit(0);
}
const names = opts.only ? opts.only.split(',').map((s) => s.trim()).filter(Boolean) : Object.keys(BENCHES);
const unknown = names.filter((n) => !BENCHES[n]);
if (unknown.length) {
  process.stderr.write(`--only: unknown bench ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}
const HERE = dirname(fileURLToPath(import.meta.url));
const logs = opts.logs ?? (await mkdtemp(join(tmpdir(), 'bench-all-')));
await mkdir(logs, { recursive: true });
const log = (text) => process.stderr.write(`bench:all: ${text}\n`);

/** The first of `tools` not on PATH (or in /usr/sbin), if any. */
function missingTool(tools) {
  return tools.find((t) => spawnSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t}`]).status !== 0);
}

/** Runs one bench with its output to `<logs>/<name>.log`; resolves {code, seconds, json}. */
function runBench(name, args) {
  const jsonFile = join(logs, `${name}.json`);
  const out = createWriteStream(join(logs, `${name}.log`));
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(HERE, `${name}.mjs`), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BENCH_JSON: jsonFile },
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('close', async (code) => {
      out.end();
      const json = await readFile(jsonFile, 'utf8').then(JSON.parse, () => undefined);
      resolve({ code, seconds: (Date.now() - started) / 1000, json });
    });
  });
}

const rows = [];
const loadAtStart = loadavg()[0].toFixed(1);
for (const name of names) {
  const bench = BENCHES[name];
  const missing = missingTool(bench.needs);
  if (missing) {
    rows.push({ path: name, note: `not run: ${missing} is not installed here` });
    continue;
  }
  const args = opts.quick ? bench.quick : [];
  log(`${name} ${args.join(' ')} (log ${join(logs, `${name}.log`)})`);
  const r = await runBench(name, args);
  log(`${name}: exit ${r.code} after ${r.seconds.toFixed(0)} s`);
  const got = r.json ? goalRows(name, r.json) : [];
  rows.push(...got);
  if (r.code !== 0) rows.push({ path: name, note: `failed (exit ${r.code}): see ${name}.log` });
  else if (!got.length) rows.push({ path: name, note: `ran in ${r.seconds.toFixed(0)} s; no machine-readable goals yet: see ${name}.log` });
}

const fmt = (x, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '');
const header = ['path', 'ours', 'baseline', 'ratio', 'goal', 'met'];
const lines = rows.map((r) =>
  r.note
    ? [r.path, r.note, '', '', '', '']
    : [r.path, `${fmt(r.ours, 1)} ${r.unit}`, `${fmt(r.baseline, 1)} ${r.unit} (${r.baselineName})`, `${fmt(r.ratio)}x`, r.goal, r.met ? 'yes' : 'NO'],
);
const widths = header.map((_, i) => Math.max(header[i].length, ...lines.map((l) => l[i].length)));
const line = (l) => `| ${l.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
process.stdout.write(
  [
    `${opts.quick ? 'quick' : 'full'} run, ${new Date().toISOString()}, ${availableParallelism()} cores, Node ${process.version}, load ${loadAtStart} at start, ${loadavg()[0].toFixed(1)} at end`,
    '',
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.map(line),
    '',
    `logs: ${logs}`,
    '',
  ].join('\n'),
);
