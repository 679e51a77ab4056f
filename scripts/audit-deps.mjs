#!/usr/bin/env node
// `npm run audit:deps`: the whole dependency tree (dev dependencies and the web workspace included)
// checked against the npm registry's advisory data with `npm audit --json`. Every finding must be
// written down in audit-accepted.json ({id, package, reason}, where id is the advisory's GitHub
// or npm id and reason says why it does not affect this project, or until when it is tolerated);
// any other finding fails the run. Exit codes: 0 all findings accepted, 1 a finding not accepted,
// 2 the advisory data could not be had (nothing was checked: never a pass).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The advisories an `npm audit --json` report (auditReportVersion 2) names: one row per advisory
 * and package, with the advisory's id (its GHSA id when the URL gives one, else npm's number).
 */
export function findings(report) {
  const rows = new Map();
  for (const vuln of Object.values(report.vulnerabilities ?? {})) {
    for (const via of vuln.via ?? []) {
      // A string names another vulnerable package this one depends on: listed under its own name.
      if (typeof via !== 'object' || via === null) continue;
      const ghsa = /GHSA-[\w-]+/.exec(via.url ?? '')?.[0];
      const id = ghsa ?? String(via.source);
      const pkg = via.name ?? vuln.name;
      rows.set(`${id} ${pkg}`, { id, package: pkg, severity: via.severity ?? vuln.severity, title: via.title ?? '', range: via.range ?? vuln.range ?? '', url: via.url ?? '' });
    }
  }
  return [...rows.values()].sort((a, b) => a.package.localeCompare(b.package) || a.id.localeCompare(b.id));
}

/** Splits findings into accepted and not, and lists acceptances nothing matched any more (stale). */
export function compare(found, accepted) {
  const matches = (a, f) => String(a.id) === f.id && (a.package === undefined || a.package === f.package);
  const bad = accepted.filter((a) => typeof a.reason !== 'string' || a.reason.trim() === '' || a.id === undefined);
  if (bad.length > 0) throw new Error(`audit-accepted.json: every entry needs an id and a reason: ${JSON.stringify(bad)}`);
  return {
    accepted: found.filter((f) => accepted.some((a) => matches(a, f))),
    rejected: found.filter((f) => !accepted.some((a) => matches(a, f))),
    stale: accepted.filter((a) => !found.some((f) => matches(a, f))),
  };
}

function main() {
  const accepted = JSON.parse(readFileSync(join(ROOT, 'audit-accepted.json'), 'utf8'));
  const run = spawnSync('npm', ['audit', '--json', '--include=dev', '--include=prod'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  let report;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    process.stderr.write(`audit:deps: npm audit did not answer with JSON (exit ${run.status}):\n${run.stderr}\n`);
    process.exit(2);
  }
  if (report.error || report.statusCode || !report.vulnerabilities) {
    const why = report.message ?? report.error?.summary ?? JSON.stringify(report.error ?? report).slice(0, 300);
    process.stderr.write(`audit:deps: cannot check: the npm advisory data could not be had (${why}). Nothing was checked.\n`);
    process.exit(2);
  }
  const { accepted: ok, rejected, stale } = compare(findings(report), accepted);
  const line = (f) => `  ${f.id}  ${f.package}@${f.range}  ${f.severity}  ${f.title}`;
  const deps = report.metadata?.dependencies?.total ?? '?';
  process.stdout.write(`audit:deps: ${deps} packages checked; ${ok.length + rejected.length} advisories found, ${ok.length} accepted\n`);
  if (ok.length > 0) process.stdout.write(`accepted (audit-accepted.json):\n${ok.map(line).join('\n')}\n`);
  for (const a of stale) process.stdout.write(`note: accepted ${a.id} (${a.package ?? 'any package'}) no longer applies: remove it from audit-accepted.json\n`);
  if (rejected.length > 0) {
    process.stdout.write(`NOT ACCEPTED: upgrade, or write down why each is accepted in audit-accepted.json:\n${rejected.map(line).join('\n')}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
