// Bounds on resource text: alias bombs, duplicate keys, too many entries, too deep, too large, each
// refused with a typed error naming what was wrong (the alias bomb used to surface as an internal
// ReferenceError, and a map of 55,000 keys took 18 s to parse).
import { describe, expect, it } from 'vitest';
import { BadParameterError, LimitExceededError } from '../errors.js';
import { MAX_RESOURCE_TEXT, STRUCTURE_LIMITS, checkStructure, parseResources } from './index.js';

const roleWithLabels = (n: number): string =>
  `kind: role\nversion: v7\nmetadata:\n  name: big\nspec:\n  allow:\n    node_labels:\n${Array.from({ length: n }, (_, i) => `      l${i}: v`).join('\n')}\n`;

function refusal(text: string): Error {
  try {
    parseResources(text);
  } catch (err) {
    return err as Error;
  }
  throw new Error('the text was accepted');
}

describe('resource text bounds', () => {
  it('refuses a YAML alias bomb as a bad parameter', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'kind: role',
    ].join('\n');
    const err = refusal(bomb);
    expect(err).toBeInstanceOf(BadParameterError);
    expect(err.message).toBe('document 1: the document expands too many aliases (at most 100 alias expansions are allowed)');
  });

  it('still reads documents with a few aliases', () => {
    const [r] = parseResources('kind: role\nversion: v7\nmetadata: {name: a}\nspec:\n  allow:\n    logins: &l [root]\n  deny:\n    logins: *l\n');
    expect(r.kind).toBe('role');
  });

  it('refuses a map with more entries than the limit, naming the field and line', () => {
    const err = refusal(roleWithLabels(STRUCTURE_LIMITS.maxEntries + 1));
    expect(err).toBeInstanceOf(BadParameterError);
    expect(err.message).toBe(`document 1: spec.allow.node_labels has ${STRUCTURE_LIMITS.maxEntries + 1} entries, more than the limit of ${STRUCTURE_LIMITS.maxEntries} (at line 8, column 7)`);
  });

  it('reads a map just under the limit and refuses its duplicate keys by line', () => {
    const n = STRUCTURE_LIMITS.maxEntries - 1;
    const [r] = parseResources(roleWithLabels(n));
    expect(Object.keys((r.spec as { allow: { node_labels: object } }).allow.node_labels)).toHaveLength(n);
    const err = refusal(`${roleWithLabels(n)}      l5: again\n`);
    expect(err.message).toBe(`document 1: YAML syntax error at line ${n + 8}, column 7: Map keys must be unique ("l5" is repeated)`);
  });

  it('refuses nesting deeper than the limit, in YAML and JSON', () => {
    const deep = (d: number) => `${'['.repeat(d)}1${']'.repeat(d)}`;
    expect(refusal(`kind: role\nspec: ${deep(40)}\n`).message).toMatch(/^document 1: spec(\[0\])+ nests deeper than 32 levels/);
    const json = `{"kind":"role","spec":${deep(100_000)}}`;
    expect(refusal(json).message).toMatch(/^document 1: spec(\[0\])+ nests deeper than 32 levels$/);
    expect(() => checkStructure(JSON.parse(deep(33)) as unknown, 'body')).toThrow(/^body: (\[0\])+ nests deeper than 32 levels$/);
  });

  it('refuses text larger than the limit before parsing it', () => {
    const err = refusal(`kind: role\n#${'x'.repeat(MAX_RESOURCE_TEXT)}\n`);
    expect(err).toBeInstanceOf(LimitExceededError);
    expect(err.message).toBe(`the resource text is ${MAX_RESOURCE_TEXT + 13} bytes, larger than the limit of 4 MiB`);
  });
});
