// Reading a V8 CPU profile (`node --cpu-prof`): where the sampled time went, by function and by
// package, as text for the benchmark's report.
import { readFile } from 'node:fs/promises';

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

/**
 * Summarizes the profile at `file`: total sampled time, then the top `top` functions by self time
 * and the time per package. Idle time ("(idle)") is counted apart.
 */
export async function summarizeCpuProfile(file, { top = 20 } = {}) {
  const profile = JSON.parse(await readFile(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Sample i lasted timeDeltas[i + 1] microseconds (the last one: a typical interval).
  const selfUs = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = deltas[i + 1] ?? deltas[i] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + us);
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
    `CPU profile ${file}: ${(total / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle`,
    'self time by function:',
    ...rank(fns).slice(0, top).map(([k, us]) => `  ${pct(us)}  ${k}`),
    'self time by package:',
    ...rank(mods).slice(0, 12).map(([k, us]) => `  ${pct(us)}  ${k}`),
  ].join('\n');
}
