// Reading a V8 CPU profile (`node --cpu-prof`): where the sampled time went, by function and by
// package, as text for the benchmark's report.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run.mjs';

/** Which package or part of our code a script URL belongs to. */
function moduleOf(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node core';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('/dist/')) return 'ours (dist bundle)';
  return url.replace(/^file:\/\//, '');
}

/** Monotonic clock in microseconds, the time base of V8's profile timestamps on Linux. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Summarizes the profile at `file`: total sampled time, then the top `top` functions by self time
 * and the time per package. Idle time ("(idle)") is counted apart. With `windows` ([startUs, endUs]
 * pairs from `monotonicUs`, taken in any process of this machine), only samples inside them count.
 */
export async function summarizeCpuProfile(file, { top = 20, windows, title = `CPU profile ${file}` } = {}) {
  const profile = JSON.parse(await readFile(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inWindow = (t) => !windows || windows.some(([a, b]) => t >= a && t <= b);
  // Sample i was taken at startTime + timeDeltas[0..i] and lasted until the next one.
  const selfUs = new Map();
  const deltas = profile.timeDeltas;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += deltas[i];
    const us = deltas[i + 1] ?? deltas[i] ?? 0;
    if (inWindow(t)) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + us);
  }
  const fns = new Map();
  const mods = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { callFrame: f } = byId.get(id);
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const where = f.url ? `${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    const mod = moduleOf(f.url);
    mods.set(mod, (mods.get(mod) ?? 0) + us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const rank = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return [
    `${title}: ${(total / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle`,
    'self time by function:',
    ...rank(fns).slice(0, top).map(([k, us]) => `  ${pct(us)}  ${k}`),
    'self time by package:',
    ...rank(mods).slice(0, 12).map(([k, us]) => `  ${pct(us)}  ${k}`),
  ].join('\n');
}

/**
 * Runs `row`'s command once with tsh (as the client itself or as OpenSSH's ProxyCommand, through
 * `row.argsWithTsh`) under `node --cpu-prof` writing into `dir`, stdout to /dev/null; returns the
 * summaries of the profiles written. (Node 20 refuses --cpu-prof in NODE_OPTIONS: hence a wrapper.)
 */
export async function profileClients(row, command, dir, title) {
  await mkdir(dir, { recursive: true });
  const wrapper = join(dir, 'tsh-profiled');
  const tsh = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'tsh');
  await writeFile(wrapper, `#!/bin/sh\nexec "${process.execPath}" --cpu-prof --cpu-prof-dir="${dir}" "${tsh}" "$@"\n`, { mode: 0o755 });
  const [cmd, ...args] = row.argsWithTsh(command, wrapper);
  await run(cmd, args, { env: row.env, discardStdout: true });
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  // A ProxyCommand ended by ssh's SIGHUP exits without writing its profile.
  if (files.length === 0) return [`${title}: no profile written (tsh did not exit normally)`];
  return Promise.all(files.map((f) => summarizeCpuProfile(join(dir, f), { title: `${title} (${f})` })));
}
