// scripts/audit-deps.mjs (npm run audit:deps): how an npm audit report is read and held against
// audit-accepted.json. The report below has the shape `npm audit --json` prints (auditReportVersion 2).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { compare, findings } from '../scripts/audit-deps.mjs';

interface Finding {
  id: string;
  package: string;
  severity: string;
}

const REPORT = {
  auditReportVersion: 2,
  vulnerabilities: {
    'parse-thing': {
      name: 'parse-thing',
      severity: 'high',
      isDirect: false,
      via: [{ source: 1101234, name: 'parse-thing', dependency: 'parse-thing', title: 'ReDoS in parse-thing', url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc', severity: 'high', range: '<2.0.1' }],
      effects: ['tool'],
      range: '<2.0.1',
      fixAvailable: true,
    },
    tool: { name: 'tool', severity: 'high', isDirect: true, via: ['parse-thing'], effects: [], range: '1.x', fixAvailable: true },
    'old-lib': {
      name: 'old-lib',
      severity: 'moderate',
      isDirect: true,
      via: [{ source: 1100001, name: 'old-lib', title: 'Prototype pollution', url: 'https://npmjs.com/advisories/1100001', severity: 'moderate', range: '*' }],
      effects: [],
      range: '*',
      fixAvailable: false,
    },
  },
  metadata: { dependencies: { total: 3 } },
};

describe('audit:deps', () => {
  it('lists one finding per advisory and package, by GHSA id when the advisory has one', () => {
    const f = findings(REPORT) as Finding[];
    expect(f.map((x) => [x.id, x.package, x.severity])).toEqual([
      ['1100001', 'old-lib', 'moderate'],
      ['GHSA-aaaa-bbbb-cccc', 'parse-thing', 'high'],
    ]);
  });

  it('fails on what is not written down, and names acceptances that no longer apply', () => {
    const r = compare(findings(REPORT), [
      { id: 'GHSA-aaaa-bbbb-cccc', package: 'parse-thing', reason: 'only parses our own build files' },
      { id: 'GHSA-zzzz-zzzz-zzzz', package: 'gone', reason: 'fixed upstream since' },
    ]) as { accepted: Finding[]; rejected: Finding[]; stale: { id: string }[] };
    expect(r.accepted.map((x) => x.id)).toEqual(['GHSA-aaaa-bbbb-cccc']);
    expect(r.rejected.map((x) => x.id)).toEqual(['1100001']);
    expect(r.stale.map((x) => x.id)).toEqual(['GHSA-zzzz-zzzz-zzzz']);
  });

  it('refuses an acceptance without a reason', () => {
    expect(() => compare([], [{ id: 'GHSA-x', package: 'p' }])).toThrow(/needs an id and a reason/);
  });

  it('the committed audit-accepted.json is a list of entries with reasons', () => {
    const accepted = JSON.parse(readFileSync('audit-accepted.json', 'utf8')) as unknown[];
    expect(Array.isArray(accepted)).toBe(true);
    expect(() => compare([], accepted)).not.toThrow();
  });
});
