import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { matchLabels } from './label-match.js';

describe('matchLabels', () => {
  it.each([
    ['empty selector matches nothing', {}, { env: 'prod' }, false],
    ['undefined-like empty selector on empty labels', {}, {}, false],
    ['*:* matches everything', { '*': '*' }, { env: 'prod' }, true],
    ['*:* matches unlabeled resources', { '*': ['*'] }, {}, true],
    ['exact value', { env: 'prod' }, { env: 'prod' }, true],
    ['wrong value', { env: 'prod' }, { env: 'dev' }, false],
    ['missing key', { env: 'prod' }, { team: 'a' }, false],
    ['value list is OR', { env: ['dev', 'prod'] }, { env: 'prod' }, true],
    ['keys are AND', { env: 'prod', team: 'a' }, { env: 'prod', team: 'b' }, false],
    ['keys are AND (all match)', { env: 'prod', team: 'a' }, { env: 'prod', team: 'a', x: 'y' }, true],
    ['* value means key must exist', { env: '*' }, { env: 'anything' }, true],
    ['* value on missing key', { env: '*' }, {}, false],
    ['glob prefix', { host: 'web-*' }, { host: 'web-01' }, true],
    ['glob does not match other', { host: 'web-*' }, { host: 'db-01' }, false],
    ['glob is anchored', { host: 'web' }, { host: 'web-01' }, false],
    ['glob escapes regex meta', { host: 'a.b' }, { host: 'axb' }, false],
    ['regex full match', { env: '^(prod|staging)$' }, { env: 'staging' }, true],
    ['regex must match all of the value', { env: '^prod$' }, { env: 'production' }, false],
    ['regex with alternation is grouped before anchoring', { env: '^a|b$' }, { env: 'ab' }, false],
    ['Go named groups', { env: '^(?P<x>pr)od$' }, { env: 'prod' }, true],
  ])('%s', (_name, selector, labels, want) => {
    expect(matchLabels(selector, labels).matched).toBe(want);
  });

  it('explains why it did not match', () => {
    expect(matchLabels({}, {}).reason).toContain('empty selector');
    expect(matchLabels({ env: 'x' }, {}).reason).toBe("no key match: 'env'");
    expect(matchLabels({ env: 'x' }, { env: 'y' }).reason).toContain("got 'y'");
  });

  it('throws BadParameterError for an invalid regex', () => {
    expect(() => matchLabels({ env: '^(unclosed$' }, { env: 'x' })).toThrow(BadParameterError);
  });

  it('keeps working past the cache limit', () => {
    for (let i = 0; i < 1100; i++) expect(matchLabels({ n: `v${i}-*` }, { n: `v${i}-x` }).matched).toBe(true);
    expect(matchLabels({ n: 'v0-*' }, { n: 'v0-y' }).matched).toBe(true);
  });
});
