import { describe, expect, it } from 'vitest';
import { locateError, splitPath } from './yaml.js';

const ROLE = 'kind: role\nversion: v7\nmetadata:\n  name: dev\nspec:\n  allow:\n    logins: 5\n    rules:\n    - resources: [node]\n      verbs: [fly]\n';

describe('locating validation errors in YAML', () => {
  it.each([
    ['document 1 (kind: role): spec.allow.logins: Invalid input', 'spec.allow.logins', 7],
    ['document 1 (kind: role): spec.allow.rules[0].verbs: unknown verb "fly"', 'spec.allow.rules[0].verbs', 10],
    ['document 1 (kind: role): spec.allow.node_labels: missing', 'spec.allow.node_labels', 6],
    ['document 1 (kind: role): version: unsupported role version', 'version', 2],
  ])('%s', (message, field, line) => {
    expect(locateError(ROLE, message)).toEqual({ field, line });
  });

  it('uses the line of a YAML syntax error', () => {
    expect(locateError('x', 'document 1: YAML syntax error at line 3, column 2: bad')).toEqual({ line: 3 });
  });

  it('finds the document a multi-document error names', () => {
    expect(locateError('kind: role\n---\nkind: user\nspec:\n  roles: 1\n', 'document 2 (kind: user): spec.roles: expected array')).toEqual({ field: 'spec.roles', line: 5 });
  });

  it('says nothing for other messages', () => {
    expect(locateError(ROLE, 'access denied')).toEqual({});
  });

  it('splits paths with indexes', () => {
    expect(splitPath('spec.allow.rules[0].verbs')).toEqual(['spec', 'allow', 'rules', 0, 'verbs']);
  });
});

describe('locating errors in large texts', () => {
  it('finds the line among 9,000 keys and leaves texts past 64 KiB unparsed', () => {
    const labels = (n: number) => Array.from({ length: n }, (_, i) => `      l${i}: v`).join('\n');
    const text = (n: number) => `kind: role\nversion: v7\nmetadata:\n  name: big\nspec:\n  allow:\n    node_labels:\n${labels(n)}\n    logins: 5\n`;
    const message = 'document 1 (kind: role): spec.allow.logins: Invalid input';
    expect(locateError(text(3_000), message)).toEqual({ field: 'spec.allow.logins', line: 3_008 });
    expect(text(9_000).length).toBeGreaterThan(64 * 1024);
    expect(locateError(text(9_000), message)).toEqual({ field: 'spec.allow.logins' });
  });
});
